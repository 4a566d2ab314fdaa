import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { PIXEL_GIF, recordOpen } from '#shared/automations/tracking';
import { logger } from '#shared/logger';
import { z } from 'zod';

/** SPEC A7: the open pixel. Always a GIF, even for a bad token, and never cached. */
export const handler = apiHandler({ public: true, params: z.object({ token: z.string() }) }, async ({ params, deps }) => {
  const token = params.token.replace(/\.gif$/, '');
  if (!(await recordOpen(deps, token))) logger.info('open with an invalid token');
  return new RawResponse({
    statusCode: 200,
    headers: { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store, max-age=0' },
    body: PIXEL_GIF.toString('base64'),
    isBase64Encoded: true,
  });
});
