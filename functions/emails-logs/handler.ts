import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { emailIdParams, limitParam, offsetParam, v2EmailLogsPage } from '#shared/http/v2-schemas';
import { emailLogs } from '#shared/emails/logs';

const query = z.object({ offset: offsetParam, limit: limitParam(20) });

/** GET /v2/emails/{id}/logs (the yml's getEmailLogs): per-recipient P / F / O / C entries, offset, limit ≤ 1,000. */
export const handler = apiHandler({ params: emailIdParams, query, response: v2EmailLogsPage }, async ({ params, query, workspaceId, deps }) => {
  if (query.limit > 1000) throw new ApiError('EMAIL_LOGS_PAGE_LIMIT');
  return emailLogs(deps, workspaceId, params.emailId, query);
});
