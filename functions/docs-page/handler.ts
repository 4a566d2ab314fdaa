import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { basePathOf } from '#shared/http/docs-assets';

const escapeAttr = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Issue 17: the API documentation, interactive: Swagger UI over /docs/openapi.json, with
 * "Try it out" against this server (the document's server is this API's base path). Every
 * operation but the public ones needs the AccessToken header (the Authorize button).
 */
export const handler = apiHandler({ public: true }, async ({ event }) => {
  const base = escapeAttr(basePathOf(event, /\/docs\/?$/));
  const page = `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Newsletter backend API</title>
<link rel="stylesheet" href="${base}/docs/assets/swagger-ui.css">
</head>
<body>
<main id="api-docs" aria-label="API documentation"></main>
<noscript><p>This page needs JavaScript. The machine-readable document: <a href="${base}/docs/openapi.json">OpenAPI 3.1</a>.</p></noscript>
<script src="${base}/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '${base}/docs/openapi.json', dom_id: '#api-docs', deepLinking: true, tryItOutEnabled: true, persistAuthorization: true, displayRequestDuration: true });
</script>
</body>
</html>`;
  return new RawResponse({ statusCode: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }, body: page });
});
