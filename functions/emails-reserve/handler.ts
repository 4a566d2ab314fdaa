import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, okText } from '#shared/http/v2-schemas';
import { reserve } from '#shared/emails/send';

/** POST /v2/emails/{id}/reserve?reserveTime=YYYYMMDDhhmmss (KST) (the yml's reserveEmail) → `ok`. */
export const handler = apiHandler(
  { params: emailIdParams, query: z.object({ reserveTime: z.string().max(40) }), response: okText },
  async ({ params, query, workspaceId, deps }) => {
    await reserve(deps, workspaceId, params.emailId, query.reserveTime);
  },
);
