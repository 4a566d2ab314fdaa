import { apiHandler } from '#shared/http/api-handler';
import { okText, subscriberParams } from '#shared/http/v2-schemas';
import { unsubscribeOne } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

/** POST /v2/lists/{id}/subscribers/{subscriberEmail}/unsubscribe (the yml's unsubscribeSubscriber) → `ok`. */
export const handler = apiHandler({ params: subscriberParams, response: okText }, async ({ params, workspaceId, deps }) => {
  await unsubscribeOne(deps, await v2ListFor(deps, workspaceId, params.listId, 'change'), params.subscriber);
});
