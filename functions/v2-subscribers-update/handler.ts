import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { fieldValues } from '#shared/http/schemas';
import { okText, subscriberParams } from '#shared/http/v2-schemas';
import { updateFields } from '#shared/subscribers/v2';
import { v2ListFor } from '#shared/subscribers/v2-context';

/** PUT /v2/lists/{id}/subscribers/{subscriber} (the yml's updateSubscriber): field values only → `ok`. */
export const handler = apiHandler(
  { params: subscriberParams, body: z.object({ fields: fieldValues }), response: okText },
  async ({ params, body, workspaceId, deps }) => {
    await updateFields(deps, await v2ListFor(deps, workspaceId, params.listId, 'read'), params.subscriber, body.fields);
  },
);
