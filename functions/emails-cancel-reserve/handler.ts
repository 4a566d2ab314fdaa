import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, okText } from '#shared/http/v2-schemas';
import { cancelReserve } from '#shared/emails/send';

/** POST /v2/emails/{id}/cancel-reserve (the yml's cancelReserveEmail): back to a draft, up to the reserved minute → `ok`. */
export const handler = apiHandler({ params: emailIdParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await cancelReserve(deps, workspaceId, params.emailId);
});
