import { apiHandler } from '#shared/http/api-handler';
import { okText, senderParams } from '#shared/http/v2-schemas';
import { resendVerification } from '#shared/senders/senders';

/** POST /v2/lists/{id}/senders/{email}/verify (the yml's verifyListSender): the verification mail again → `ok`. */
export const handler = apiHandler({ params: senderParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await resendVerification(deps, workspaceId, params.listId, params.email);
});
