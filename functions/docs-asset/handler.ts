import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { DOCS_ASSETS, readDocsAsset } from '#shared/http/docs-assets';

/** Issue 17: Swagger UI's script and style sheet, from the pinned package (no CDN). */
export const handler = apiHandler({ public: true, params: z.object({ file: z.string().max(100) }) }, async ({ params }) => {
  const bytes = readDocsAsset(params.file);
  if (!bytes) throw new ApiError('NOT_FOUND');
  return new RawResponse({
    statusCode: 200,
    headers: { 'Content-Type': DOCS_ASSETS[params.file]!, 'Cache-Control': 'public, max-age=86400' },
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  });
});
