import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { fieldValues } from '#shared/http/schemas';
import { listIdParams, okText } from '#shared/http/v2-schemas';
import { doubleOptIn } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

const body = z.object({ subscriber: z.object({ email: z.string().max(320), fields: fieldValues.optional() }) });

/** POST /v2/lists/{id}/subscribers/double-optin (the yml's sendDoubleOptin): added `ready`, mailed a link → `ok`. */
export const handler = apiHandler({ params: listIdParams, body, response: okText }, async ({ params, body, workspaceId, deps }) => {
  await doubleOptIn(deps, await v2ListFor(deps, workspaceId, params.listId, 'add'), body.subscriber);
});
