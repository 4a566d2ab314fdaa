import { z } from 'zod';
import { Answer, apiHandler } from '#shared/http/api-handler';
import { listIdParams, okText, v2SubscriberBody } from '#shared/http/v2-schemas';
import { addOne } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

const body = z.object({ subscriber: v2SubscriberBody, updateEnabled: z.boolean().default(false) });

/** POST /v2/lists/{id}/subscribers (the yml's addSubscriber): 200 `ok` when added, 201 `ok` when updated. */
export const handler = apiHandler({ params: listIdParams, body, response: okText }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await v2ListFor(deps, workspaceId, params.listId, 'add');
  const outcome = await addOne(deps, ctx, body.subscriber, body.updateEnabled);
  return new Answer(undefined, outcome === 'updated' ? 201 : 200);
});
