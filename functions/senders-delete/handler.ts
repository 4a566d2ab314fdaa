import { apiHandler } from '#shared/http/api-handler';
import { okText, senderParams } from '#shared/http/v2-schemas';
import { deleteSender } from '#shared/senders/senders';

/** DELETE /v2/lists/{id}/senders/{email} (the yml's deleteListSender) → `ok`. */
export const handler = apiHandler({ params: senderParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await deleteSender(deps, workspaceId, params.listId, params.email);
});
