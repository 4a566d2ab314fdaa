import { apiHandler, RawResponse } from '#shared/http/api-handler';
import openapi from '../../docs/openapi.json' with { type: 'json' };

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Operation = { summary?: string; description?: string };
const rows = Object.entries(openapi.paths as Record<string, Record<string, Operation>>)
  .flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) =>
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}</td><td>${escapeHtml(op.description ?? '')}</td></tr>`,
    ),
  )
  .join('\n');

const page = `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style>
</head><body><h1>Newsletter backend API</h1>
<p>Machine-readable: <a href="docs/openapi.json">OpenAPI 3.1</a>. Every endpoint but the public ones needs the <code>AccessToken</code> header.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>spec</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;

/** A plain index of the endpoints, from the same OpenAPI document. */
export const handler = apiHandler({ public: true }, async () =>
  new RawResponse({ statusCode: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: page }),
);
