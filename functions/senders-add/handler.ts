import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/v2-schemas';
import { addSender } from '#shared/senders/senders';

/** POST /v2/lists/{id}/senders (the yml's addListSender) → `{authorized}`; unverified ones are mailed a link. */
export const handler = apiHandler(
  { params: listIdParams, body: z.object({ email: z.string().max(320) }), response: z.object({ authorized: z.boolean() }) },
  async ({ params, body, workspaceId, deps }) => addSender(deps, workspaceId, params.listId, body.email),
);
