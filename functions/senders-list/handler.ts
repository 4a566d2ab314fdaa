import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { listIdParams, v2SenderResponse } from '#shared/http/v2-schemas';
import { listSenders } from '#shared/senders/senders';

/** GET /v2/lists/{id}/senders (the yml's getListSenders). */
export const handler = apiHandler({ params: listIdParams, response: z.array(v2SenderResponse) }, async ({ params, workspaceId, deps }) =>
  listSenders(deps, workspaceId, params.listId),
);
