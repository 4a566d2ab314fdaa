import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/v2-schemas';
import { batchAdd, v2BatchBuckets } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

// Each subscriber is checked on its own (a bad one lands in its fail bucket); only the shape of the whole is zod's.
const subscriber = z.object({
  email: z.unknown().describe('string, at most 64 characters'),
  status: z.unknown().describe('subscribed | unsubscribed'),
  marketingAllowed: z.unknown().optional().describe('boolean'),
  fields: z.unknown().optional().describe('custom-field values by tag'),
});
const body = z.object({ subscribers: z.array(subscriber), updateEnabled: z.boolean().default(false) });
const response = z.object(Object.fromEntries(v2BatchBuckets.map((b) => [b, z.array(z.string())])));

/** POST /v2/lists/{id}/subscribers/batch (the yml's batchAddSubscribers): at most 1,000, each in a bucket. */
export const handler = apiHandler({ params: listIdParams, body, response }, async ({ params, body, workspaceId, deps }) => {
  const ctx = await v2ListFor(deps, workspaceId, params.listId, 'add');
  return batchAdd(deps, ctx, body.subscribers, body.updateEnabled);
});
