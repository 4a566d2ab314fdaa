import type { APIGatewayProxyResult } from 'aws-lambda';

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A page whose `main` holds `innerHtml` (already escaped by the caller). */
export function htmlDocument(statusCode: number, title: string, innerHtml: string, lang: 'ko' | 'en' = 'ko', headers: Record<string, string> = {}): APIGatewayProxyResult {
  const body = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.6;color:#222}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${innerHtml}</main></body></html>`;
  return { statusCode, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers }, body };
}

/** A small, plain, accessible page for people who follow links in emails. */
export function htmlPage(statusCode: number, title: string, message: string, lang: 'ko' | 'en' = 'ko'): APIGatewayProxyResult {
  return htmlDocument(statusCode, title, `<p>${escapeHtml(message)}</p>`, lang);
}
