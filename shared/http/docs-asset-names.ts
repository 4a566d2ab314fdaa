/** The files of Swagger UI that /docs serves, with their media types (no file access here: the route table imports it). */
export const DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

/** Repository-relative paths of the assets: the docs-asset route's bundleFiles. */
export const DOCS_ASSET_SOURCES: readonly string[] = Object.keys(DOCS_ASSETS).map((name) => `node_modules/swagger-ui-dist/${name}`);
