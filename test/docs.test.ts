import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { routes } from '#shared/routes';
import { buildOpenApi } from '#shared/http/openapi';
import { startTestApp, type TestApp } from './support/app';

const root = resolve(import.meta.dirname, '..');
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('API documentation', () => {
  it('docs/openapi.json is current: regenerate with `npm run openapi` when a route or schema changes', async () => {
    const committed = JSON.parse(readFileSync(resolve(root, 'docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(await buildOpenApi(routes, root));
  });

  it('documents every route of the route table with its method', async () => {
    const doc = (await buildOpenApi(routes, root)) as { paths: Record<string, Record<string, unknown>> };
    for (const r of routes) expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
  });

  it('serves the page and the OpenAPI document without an AccessToken', async () => {
    const page = await fetch(`${app.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/v1/lists/{listId}/subscribers');
    const json = await fetch(`${app.url}/docs/openapi.json`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
