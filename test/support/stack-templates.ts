/**
 * Reading a synthesized app whose routes sit in nested stacks (issue 11): every template of a
 * stack artifact, and one flattened template in which each nested stack's resources appear
 * beside the root's, with each `{"Ref": <parameter>}` replaced by what the parent passes for it
 * and each `Fn::GetAtt [<nested stack>, Outputs.X]` by the output's value. In the flattened
 * template a route's policy names the root's table, secret and key by their own logical ids, as
 * it did when everything sat in one stack, so assertions need not know where a resource lives.
 *
 * Works on any cloud assembly directory: one written by `app.synth()` in a test or by
 * `npm run synth` (cdk.out). A nested stack's template is found through the stack's asset
 * manifest, by the hash its TemplateURL ends with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CloudFormation JSON of any shape
export interface StackTemplate {
  /** The template file in the assembly directory. */
  readonly file: string;
  /** The logical id of its AWS::CloudFormation::Stack resource in the parent; undefined for the root. */
  readonly resourceId?: string;
  readonly template: Json;
}

const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

/** The root template of a stack artifact and, depth first, every nested stack's template. */
export function stackTemplates(assemblyDir: string, artifactId: string): StackTemplate[] {
  const manifest = readJson(join(assemblyDir, 'manifest.json'));
  const artifact = manifest.artifacts[artifactId];
  const rootFile: string = artifact.properties.templateFile;
  const assetsId = ((artifact.dependencies ?? []) as string[]).find((d) => manifest.artifacts[d]?.type === 'cdk:asset-manifest');
  const assetsFile = assetsId ? (manifest.artifacts[assetsId].properties.file as string) : undefined;
  const files = new Map<string, string>(
    Object.entries((assetsFile ? readJson(join(assemblyDir, assetsFile)).files : {}) as Record<string, { source: { path: string } }>).map(([hash, f]) => [hash, f.source.path]),
  );
  const out: StackTemplate[] = [];
  const visit = (file: string, resourceId?: string) => {
    const template = readJson(join(assemblyDir, file));
    out.push({ file, resourceId, template });
    for (const [id, r] of Object.entries((template.Resources ?? {}) as Record<string, Json>)) {
      if (r.Type !== 'AWS::CloudFormation::Stack') continue;
      const hash = /([0-9a-f]{64})\.json"/.exec(JSON.stringify(r.Properties.TemplateURL))?.[1];
      const nested = hash && files.get(hash);
      if (!nested) throw new Error(`${file}: no template in the asset manifest for nested stack ${id}`);
      visit(nested, id);
    }
  };
  visit(rootFile);
  return out;
}

/** Replaces, anywhere in `value`, each node `replace` answers for (undefined: keep and descend). */
function rewrite(value: unknown, replace: (node: Json) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, replace));
  if (value === null || typeof value !== 'object') return value;
  const replaced = replace(value as Json);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, replace)]));
}

/**
 * One template holding the resources of the root and of every nested stack (see the module
 * comment; nested stacks' CDKMetadata left out). Fails if two templates use the same logical id,
 * which would make look-ups ambiguous.
 */
export function flattenedTemplate(assemblyDir: string, artifactId: string): Json {
  return flattenTemplates(stackTemplates(assemblyDir, artifactId));
}

export function flattenTemplates(templates: readonly StackTemplate[]): Json {
  const [root, ...nested] = templates;
  if (!root) throw new Error('no templates');
  const resources: Json = { ...root.template.Resources };
  /** Nested stack resource id -> output name -> value (in the flattened namespace). */
  const outputs = new Map<string, Json>();
  // A nested stack's parameters come from the resource that creates it, in its parent's template;
  // templates are depth first, so a parent is always flattened before its children.
  for (const { file, resourceId, template } of nested) {
    const parameters = (resources[resourceId!]?.Properties?.Parameters ?? {}) as Json;
    const substituted = rewrite(template, (node) => {
      const keys = Object.keys(node);
      if (keys.length === 1 && keys[0] === 'Ref' && typeof node.Ref === 'string' && node.Ref in parameters) return parameters[node.Ref];
      return undefined;
    }) as Json;
    for (const [id, r] of Object.entries((substituted.Resources ?? {}) as Json)) {
      // `cdk synth` (analytics on) gives every template a CDKMetadata of its own: the root's stays.
      if ((r as Json).Type === 'AWS::CDK::Metadata') continue;
      if (id in resources) throw new Error(`logical id ${id} of ${file} is also used by another template`);
      resources[id] = r;
    }
    outputs.set(resourceId!, Object.fromEntries(Object.entries((substituted.Outputs ?? {}) as Json).map(([k, o]) => [k, (o as Json).Value])));
  }
  // An output may pass on another nested stack's output (sibling references): repeat until none is left.
  let flat: unknown = resources;
  for (let pass = 0, before = ''; pass < 10 && before !== JSON.stringify(flat); pass++) {
    before = JSON.stringify(flat);
    flat = rewrite(flat, (node) => {
      const att = node['Fn::GetAtt'];
      if (Object.keys(node).length !== 1 || !Array.isArray(att) || typeof att[1] !== 'string' || !att[1].startsWith('Outputs.')) return undefined;
      return outputs.get(att[0])?.[att[1].slice('Outputs.'.length)];
    });
  }
  return { ...root.template, Resources: flat };
}
