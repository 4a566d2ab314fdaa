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
    const html = await page.text();
    expect(html).toContain('SwaggerUIBundle');
    const json = await fetch(`${app.url}/docs/openapi.json`);
    expect(json.status).toBe(200);
    const doc = (await json.json()) as { openapi: string; paths: Record<string, unknown>; servers: { url: string }[] };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/lists/{listId}/subscribers']).toBeDefined();
    // "Try it out" calls the server the page came from.
    expect(doc.servers).toEqual([{ url: '/', description: 'this server' }]);
  });

  it('issue 17: the page is Swagger UI from the pinned package, served by the API itself (no CDN)', async () => {
    const html = await (await fetch(`${app.url}/docs`)).text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/docs/assets/swagger-ui.css', '/docs/openapi.json', '/docs/assets/swagger-ui-bundle.js']);
    expect(html).not.toMatch(/https?:\/\//);
    const pkg = (name: string) => readFileSync(resolve(root, 'node_modules/swagger-ui-dist', name));
    for (const [name, type] of [['swagger-ui-bundle.js', 'text/javascript'], ['swagger-ui.css', 'text/css']] as const) {
      const res = await fetch(`${app.url}/docs/assets/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(pkg(name)), name).toBe(true);
    }
    for (const name of ['../../package.json', 'index.html', '__proto__', 'constructor']) {
      expect((await fetch(`${app.url}/docs/assets/${encodeURIComponent(name)}`)).status, name).toBe(404);
    }
  });

  it('issue 17: behind an API Gateway stage, the page, its assets and "Try it out" use the stage path', async () => {
    const { handler } = (await import('../functions/docs-openapi/handler')) as { handler: (e: unknown, c: unknown) => Promise<{ body: string }> };
    const answer = await handler({ path: '/docs/openapi.json', httpMethod: 'GET', headers: {}, requestContext: { path: '/prod/docs/openapi.json' } }, {});
    expect((JSON.parse(answer.body) as { servers: unknown }).servers).toEqual([{ url: '/prod', description: 'this server' }]);
    const page = (await import('../functions/docs-page/handler')) as { handler: (e: unknown, c: unknown) => Promise<{ body: string }> };
    const html = (await page.handler({ path: '/docs', httpMethod: 'GET', headers: {}, requestContext: { path: '/prod/docs' } }, {})).body;
    expect(html).toContain('src="/prod/docs/assets/swagger-ui-bundle.js"');
    expect(html).toContain("url: '/prod/docs/openapi.json'");
  });
});
