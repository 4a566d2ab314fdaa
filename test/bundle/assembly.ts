/**
 * Issue 11, the bundle test: reads the cloud assembly `cdk synth` wrote (the root templates and
 * every nested template, whatever the stack split) into what the harness needs: each Lambda
 * function with its bundle folder, handler, environment and IAM statements; the REST API's
 * routes, authorizer, binary media types and gateway responses; the stream's event-source
 * mapping; the rules; the state machines; the secrets, keys and tables. Refs and GetAtts become
 * local stand-ins (names and ARNs in one fake account and region), the same for every reader,
 * so an ARN in a function's environment is the ARN in its policy and in the stub's records.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export const REGION = 'ap-northeast-2';
export const ACCOUNT = '123456789012';
const PARTITION = 'aws';
const URL_SUFFIX = 'amazonaws.com';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
  Condition?: string;
}
interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: Json }>;
  Outputs?: Record<string, { Value: Json }>;
  Conditions?: Record<string, Json>;
}

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources: readonly string[];
  readonly notResources?: readonly string[];
  readonly condition?: Json;
}

export interface FunctionSpec {
  /** The construct path without `/Resource` (e.g. `Newsletter-dev/Api/ListsList`): unique and readable. */
  readonly path: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly assetDir: string;
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly reservedConcurrency?: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly roleArn: string;
}

export interface RouteSpec {
  readonly operationName: string;
  readonly method: string;
  /** The resource path with `{param}` placeholders, as API Gateway shows it. */
  readonly path: string;
  readonly functionArn: string;
  readonly authorizationType: string;
  readonly authorizerId?: string;
  readonly apiKeyRequired: boolean;
  readonly restApiId: string;
}

export interface RestApiSpec {
  readonly id: string;
  readonly name: string;
  readonly stageName: string;
  readonly apiKeySource: string;
  /** Decoded (`~1` in CloudFormation is `/`). */
  readonly binaryMediaTypes: readonly string[];
  readonly gatewayResponses: Readonly<Record<string, { statusCode: number; templates: Record<string, string> }>>;
}

export interface AuthorizerSpec {
  readonly id: string;
  readonly restApiId: string;
  readonly type: string;
  readonly functionArn: string;
  /** Header names of `method.request.header.X` identity sources. */
  readonly identityHeaders: readonly string[];
  readonly ttlSeconds: number;
}

export interface EventSourceMappingSpec {
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly patterns: readonly unknown[];
  readonly batchSize: number;
}

export interface RuleSpec {
  readonly arn: string;
  readonly scheduleExpression?: string;
  readonly targets: readonly { arn: string; input?: string }[];
}

export interface StateMachineSpec {
  readonly arn: string;
  readonly name: string;
  /** The DefinitionString with its DefinitionSubstitutions applied. */
  readonly definition: unknown;
  readonly roleArn: string;
}

export interface SecretSpec {
  readonly arn: string;
  readonly name: string;
  readonly generate?: Record<string, unknown>;
  readonly secretString?: string;
}

export interface TableSpec {
  readonly name: string;
  readonly arn: string;
  readonly streamArn: string;
  readonly streamViewType?: string;
  readonly keySchema: unknown;
  readonly globalIndexes: readonly string[];
}

export interface PermissionSpec {
  readonly functionArn: string;
  readonly principal: string;
  readonly sourceArn?: string;
}

export interface Assembly {
  readonly dir: string;
  readonly functions: readonly FunctionSpec[];
  readonly routes: readonly RouteSpec[];
  readonly restApis: readonly RestApiSpec[];
  readonly authorizers: readonly AuthorizerSpec[];
  readonly eventSourceMappings: readonly EventSourceMappingSpec[];
  readonly rules: readonly RuleSpec[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly secrets: readonly SecretSpec[];
  readonly tables: readonly TableSpec[];
  readonly kmsKeys: readonly { arn: string; id: string }[];
  readonly emailIdentities: readonly string[];
  readonly configurationSets: readonly string[];
  /** EventBridge Scheduler groups of the template (`default` always exists). */
  readonly scheduleGroups: readonly string[];
  readonly permissions: readonly PermissionSpec[];
  /** Role ARN → the statements of every policy attached to it (inline, AWS::IAM::Policy, customer managed). */
  readonly roleStatements: ReadonlyMap<string, readonly PolicyStatement[]>;
  /** How many templates were read (root and nested). */
  readonly templateCount: number;
  functionByArn(arn: string): FunctionSpec | undefined;
}

interface StackNode {
  readonly name: string;
  readonly template: CfnTemplate;
  readonly parameters: () => Record<string, Json>;
}

const shortHash = (text: string, length = 10) => createHash('sha256').update(text).digest('hex').slice(0, length);
const asString = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Error(`${what}: expected a string after resolving, got ${JSON.stringify(v)}`);
  return v;
};
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Resolves intrinsic functions of one template with stand-in values for every resource. */
class Resolver {
  private readonly memo = new Map<string, Json>();
  constructor(
    private readonly stack: StackNode,
    private readonly world: World,
  ) {}

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn]!;
      switch (fn) {
        case 'Ref':
          return this.ref(asString(arg, 'Ref'));
        case 'Fn::GetAtt': {
          const [logicalId, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.+)/);
          return this.getAtt(logicalId!, attr!);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, Json];
          return (this.resolve(parts) as Json[]).map((p) => asString(p, 'Fn::Join part')).join(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, Json>]);
          return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
            if (name in vars) return asString(this.resolve(vars[name]!), `Fn::Sub ${name}`);
            if (name.includes('.')) {
              const [id, attr] = name.split(/\.(.+)/) as [string, string];
              return asString(this.getAtt(id, attr), `Fn::Sub ${name}`);
            }
            return asString(this.ref(name), `Fn::Sub ${name}`);
          });
        }
        case 'Fn::Select': {
          const [index, items] = arg as [Json, Json];
          return (this.resolve(items) as Json[])[Number(this.resolve(index))]!;
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, Json];
          return asString(this.resolve(text), 'Fn::Split').split(sep);
        }
        case 'Fn::Base64':
          return Buffer.from(asString(this.resolve(arg), 'Fn::Base64')).toString('base64');
        case 'Fn::If': {
          const [condition, yes, no] = arg as [string, Json, Json];
          return this.resolve(this.condition(condition) ? yes : no);
        }
        case 'Fn::ImportValue':
        case 'Fn::GetAZs':
        case 'Fn::FindInMap':
          throw new Error(`${this.stack.name}: ${fn} is not supported by the bundle test's resolver`);
        default:
          break;
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  condition(name: string): boolean {
    const evaluate = (c: Json): boolean => {
      if (c && typeof c === 'object' && !Array.isArray(c)) {
        const [fn, arg] = Object.entries(c)[0]!;
        if (fn === 'Fn::Equals') {
          const [a, b] = (arg as Json[]).map((x) => this.resolve(x));
          return JSON.stringify(a) === JSON.stringify(b);
        }
        if (fn === 'Fn::Or') return (arg as Json[]).some(evaluate);
        if (fn === 'Fn::And') return (arg as Json[]).every(evaluate);
        if (fn === 'Fn::Not') return !evaluate((arg as Json[])[0]!);
        if (fn === 'Condition') return this.condition(String(arg));
      }
      throw new Error(`unsupported condition ${JSON.stringify(c)}`);
    };
    return evaluate(this.stack.template.Conditions?.[name] ?? null);
  }

  ref(name: string): Json {
    switch (name) {
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::URLSuffix':
        return URL_SUFFIX;
      case 'AWS::StackName':
        return this.stack.name;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${this.stack.name}/${shortHash(this.stack.name, 8)}`;
      case 'AWS::NoValue':
        return null;
      default:
        break;
    }
    if (this.stack.template.Parameters && name in this.stack.template.Parameters) {
      const given = this.stack.parameters()[name];
      return given !== undefined ? given : (this.stack.template.Parameters[name]!.Default ?? null);
    }
    return this.memoize(`Ref ${name}`, () => this.standIn(name).ref);
  }

  getAtt(logicalId: string, attr: string): Json {
    const resource = this.resource(logicalId);
    if (resource.Type === 'AWS::CloudFormation::Stack' && attr.startsWith('Outputs.')) {
      return this.world.nestedOutput(this.stack, logicalId, attr.slice('Outputs.'.length));
    }
    return this.memoize(`GetAtt ${logicalId}.${attr}`, () => {
      const value = this.standIn(logicalId).attrs[attr];
      if (value === undefined) throw new Error(`${this.stack.name}: no stand-in for ${resource.Type} ${logicalId}.${attr}`);
      return value;
    });
  }

  resource(logicalId: string): CfnResource {
    const r = this.stack.template.Resources[logicalId];
    if (!r) throw new Error(`${this.stack.name}: no resource ${logicalId}`);
    return r;
  }

  private memoize(key: string, make: () => Json): Json {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key)!;
  }

  /** Deterministic physical names and attributes, shaped like the real ones. */
  private standIn(logicalId: string): { ref: Json; attrs: Record<string, Json> } {
    const r = this.resource(logicalId);
    const p = r.Properties ?? {};
    const prop = (key: string) => (p[key] === undefined ? undefined : asString(this.resolve(p[key]!), `${logicalId}.${key}`));
    const id = shortHash(`${this.stack.name}/${logicalId}`);
    // As CloudFormation names them: stack and logical id cut short, and a unique suffix (nested
    // stacks' long names would otherwise leave every function of a stack with one name).
    const generated = `${this.stack.name.slice(0, 24)}-${logicalId.slice(0, 26)}-${id.slice(0, 12).toUpperCase()}`;
    const arn = (service: string, resource: string, region = REGION, account = ACCOUNT) => `arn:aws:${service}:${region}:${account}:${resource}`;
    switch (r.Type) {
      case 'AWS::Lambda::Function': {
        const name = prop('FunctionName') ?? generated;
        return { ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::IAM::Role': {
        const name = prop('RoleName') ?? generated;
        return { ref: name, attrs: { Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, RoleId: `AROA${id.toUpperCase()}` } };
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = prop('ManagedPolicyName') ?? generated;
        return { ref: `arn:aws:iam::${ACCOUNT}:policy/${name}`, attrs: {} };
      }
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = prop('TableName') ?? generated.replace(/[^A-Za-z0-9_.-]/g, '-');
        const tableArn = arn('dynamodb', `table/${name}`);
        return { ref: name, attrs: { Arn: tableArn, StreamArn: `${tableArn}/stream/2024-01-01T00:00:00.000` } };
      }
      case 'AWS::SecretsManager::Secret': {
        const name = prop('Name') ?? `${logicalId}-${id.slice(0, 12)}`;
        return { ref: arn('secretsmanager', `secret:${name}-${id.slice(0, 6)}`), attrs: {} };
      }
      case 'AWS::KMS::Key': {
        const keyId = `${id.slice(0, 8)}-${id.slice(8, 10)}aa-4bbb-8ccc-${shortHash(id, 12)}`;
        return { ref: keyId, attrs: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = prop('StateMachineName') ?? `${logicalId}-${id}`;
        return { ref: arn('states', `stateMachine:${name}`), attrs: { Name: name, Arn: arn('states', `stateMachine:${name}`) } };
      }
      case 'AWS::SQS::Queue': {
        const name = prop('QueueName') ?? generated;
        return { ref: `https://sqs.${REGION}.${URL_SUFFIX}/${ACCOUNT}/${name}`, attrs: { Arn: arn('sqs', name), QueueName: name, QueueUrl: `https://sqs.${REGION}.${URL_SUFFIX}/${ACCOUNT}/${name}` } };
      }
      case 'AWS::SNS::Topic': {
        const name = prop('TopicName') ?? generated;
        return { ref: arn('sns', name), attrs: { TopicArn: arn('sns', name), TopicName: name } };
      }
      case 'AWS::SES::ConfigurationSet':
        return { ref: prop('Name') ?? generated, attrs: {} };
      case 'AWS::SES::EmailIdentity':
        return { ref: prop('EmailIdentity') ?? generated, attrs: {} };
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = prop('Name') ?? generated;
        return { ref: name, attrs: { Arn: arn('scheduler', `schedule-group/${name}`) } };
      }
      case 'AWS::ApiGateway::RestApi': {
        const apiId = id.replace(/[^a-z0-9]/g, '').slice(0, 10);
        return { ref: apiId, attrs: { RootResourceId: `root${apiId}`, RestApiId: apiId } };
      }
      case 'AWS::ApiGateway::Stage':
        return { ref: prop('StageName') ?? 'stage', attrs: {} };
      case 'AWS::Logs::LogGroup': {
        const name = prop('LogGroupName') ?? `/stand-in/${generated}`;
        return { ref: name, attrs: { Arn: arn('logs', `log-group:${name}:*`) } };
      }
      case 'AWS::Events::Rule': {
        const name = prop('Name') ?? generated;
        return { ref: name, attrs: { Arn: arn('events', `rule/${name}`) } };
      }
      case 'AWS::CloudFormation::Stack':
        return { ref: arn('cloudformation', `stack/${this.world.nestedName(this.stack, logicalId)}/${id}`), attrs: {} };
      default: {
        // Anything else gets an id and an ARN in the resource type's service (e.g. AWS::SNS::Subscription).
        const service = r.Type.split('::')[1]!.toLowerCase();
        return { ref: `${logicalId.toLowerCase()}-${id}`, attrs: { Arn: arn(service, `${logicalId}/${id}`), Id: id } };
      }
    }
  }
}

/** Every template of the assembly, root and nested, with their resolvers. */
class World {
  readonly stacks: StackNode[] = [];
  private readonly resolvers = new Map<StackNode, Resolver>();
  private readonly nested = new Map<string, StackNode>();
  /** Asset hash → its file or folder in the assembly, from every `*.assets.json`. */
  private readonly assetPaths = new Map<string, string>();

  constructor(readonly dir: string) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.assets.json'))) {
      const manifest = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { files?: Record<string, { source?: { path?: string } }> };
      for (const [hash, asset] of Object.entries(manifest.files ?? {})) if (asset.source?.path) this.assetPaths.set(hash, asset.source.path);
    }
  }

  /**
   * Where a resource's asset sits: its `aws:asset:path` metadata (what `cdk synth` writes), else
   * the asset manifest entry of the hash its S3 key or template URL names.
   */
  assetPath(resource: CfnResource): string | undefined {
    const meta = resource.Metadata?.['aws:asset:path'];
    if (typeof meta === 'string') return meta;
    const hash = /([0-9a-f]{64})\.(?:zip|json)/.exec(JSON.stringify(resource.Properties ?? {}))?.[1];
    return hash ? this.assetPaths.get(hash) : undefined;
  }

  load(name: string, file: string, parameters: () => Record<string, Json>): StackNode {
    const template = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as CfnTemplate;
    const node: StackNode = { name, template, parameters };
    this.stacks.push(node);
    this.resolvers.set(node, new Resolver(node, this));
    for (const [logicalId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::CloudFormation::Stack') continue;
      const nestedFile = this.assetPath(r);
      if (!nestedFile) throw new Error(`${name}: nested stack ${logicalId} names no template of the assembly`);
      let memo: Record<string, Json> | undefined;
      const params = () => (memo ??= this.resolver(node).resolve((r.Properties?.Parameters ?? {}) as Json) as Record<string, Json>);
      this.nested.set(`${name}/${logicalId}`, this.load(this.nestedName(node, logicalId), nestedFile, params));
    }
    return node;
  }

  nestedName(parent: StackNode, logicalId: string): string {
    return `${parent.name}-${logicalId}`.slice(0, 128);
  }

  nestedOutput(parent: StackNode, logicalId: string, output: string): Json {
    const child = this.nested.get(`${parent.name}/${logicalId}`);
    const value = child?.template.Outputs?.[output]?.Value;
    if (!child || value === undefined) throw new Error(`${parent.name}: nested ${logicalId} has no output ${output}`);
    return this.resolver(child).resolve(value);
  }

  resolver(stack: StackNode): Resolver {
    return this.resolvers.get(stack)!;
  }

  /** Every resource of a type across all templates, with its template's resolver. */
  *resources(type: string): Generator<{ stack: StackNode; logicalId: string; resource: CfnResource; r: Resolver }> {
    for (const stack of this.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        if (resource.Type === type) yield { stack, logicalId, resource, r: this.resolver(stack) };
      }
    }
  }
}

function statementsOf(document: Json | undefined): PolicyStatement[] {
  if (!document || typeof document !== 'object' || Array.isArray(document)) return [];
  return list(document.Statement as Json | Json[]).map((s) => {
    const st = s as Record<string, Json>;
    return {
      effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
      actions: list(st.Action as string | string[]),
      ...(st.NotAction ? { notActions: list(st.NotAction as string | string[]) } : {}),
      resources: list(st.Resource as string | string[]),
      ...(st.NotResource ? { notResources: list(st.NotResource as string | string[]) } : {}),
      ...(st.Condition ? { condition: st.Condition } : {}),
    };
  });
}

/** Reads `dir` (a `cdk synth -o dir` output). */
export function readAssembly(dir: string): Assembly {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string }; displayName?: string }>;
  };
  const world = new World(dir);
  for (const [name, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) world.load(name, artifact.properties.templateFile, () => ({}));
  }
  if (!world.stacks.length) throw new Error(`no stack in ${dir}/manifest.json`);

  // Roles and what is attached to them.
  const roleStatements = new Map<string, PolicyStatement[]>();
  const roleArnByName = new Map<string, string>();
  const attach = (roleName: string, statements: PolicyStatement[]) => {
    const arn = roleArnByName.get(roleName) ?? `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
    roleStatements.set(arn, [...(roleStatements.get(arn) ?? []), ...statements]);
  };
  for (const { logicalId, resource, r } of world.resources('AWS::IAM::Role')) {
    const name = asString(r.ref(logicalId), 'role name');
    const arn = asString(r.getAtt(logicalId, 'Arn'), 'role arn');
    roleArnByName.set(name, arn);
    roleStatements.set(arn, roleStatements.get(arn) ?? []);
    for (const inline of list(resource.Properties?.Policies as Json[] | undefined)) {
      attach(name, statementsOf(r.resolve((inline as Record<string, Json>).PolicyDocument!)));
    }
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const { resource, r } of world.resources(type)) {
      const statements = statementsOf(r.resolve(resource.Properties!.PolicyDocument!));
      for (const role of list(r.resolve(resource.Properties!.Roles ?? []) as string[])) attach(role, statements);
    }
  }

  const functions: FunctionSpec[] = [];
  for (const { stack, logicalId, resource, r } of world.resources('AWS::Lambda::Function')) {
    const p = resource.Properties!;
    const assetPath = world.assetPath(resource);
    if (!assetPath) throw new Error(`${logicalId}: no asset folder (was the app synthesized with bundling?)`);
    const env = (r.resolve(((p.Environment as Record<string, Json> | undefined)?.Variables ?? {}) as Json) ?? {}) as Record<string, Json>;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) environment[k] = asString(v, `${logicalId} environment ${k}`);
    const cdkPath = String(resource.Metadata?.['aws:cdk:path'] ?? `${stack.name}/${logicalId}`).replace(/\/Resource$/, '');
    functions.push({
      path: cdkPath,
      stack: stack.name,
      logicalId,
      name: asString(r.ref(logicalId), 'function name'),
      arn: asString(r.getAtt(logicalId, 'Arn'), 'function arn'),
      assetDir: join(dir, assetPath),
      handler: asString(r.resolve(p.Handler!), 'Handler'),
      runtime: asString(r.resolve(p.Runtime!), 'Runtime'),
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
      ...(p.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: Number(p.ReservedConcurrentExecutions) } : {}),
      environment,
      roleArn: asString(r.resolve(p.Role!), 'Role'),
    });
  }
  const byArn = new Map(functions.map((f) => [f.arn, f]));
  const byName = new Map(functions.map((f) => [f.name, f]));
  const functionByArn = (arn: string) => byArn.get(arn.replace(/:(\$LATEST|\d+)$/, ''));
  const lambdaArnOfUri = (uri: string) => /functions\/(arn:[^/]+)\/invocations$/.exec(uri)?.[1];

  // API Gateway: resource tree by physical id, across templates.
  const apiResources = new Map<string, { parent: string; part: string }>();
  for (const { logicalId, resource, r } of world.resources('AWS::ApiGateway::Resource')) {
    apiResources.set(asString(r.ref(logicalId), 'resource id'), {
      parent: asString(r.resolve(resource.Properties!.ParentId!), 'ParentId'),
      part: asString(r.resolve(resource.Properties!.PathPart!), 'PathPart'),
    });
  }
  const pathOf = (resourceId: string): string => {
    const parts: string[] = [];
    for (let id = resourceId; apiResources.has(id); id = apiResources.get(id)!.parent) parts.unshift(apiResources.get(id)!.part);
    return `/${parts.join('/')}`;
  };
  const routes: RouteSpec[] = [];
  for (const { logicalId, resource, r } of world.resources('AWS::ApiGateway::Method')) {
    const p = r.resolve(resource.Properties as Json) as Record<string, Json>;
    const integration = p.Integration as Record<string, Json> | undefined;
    if (p.HttpMethod === 'OPTIONS' && integration?.Type === 'MOCK') continue;
    if (integration?.Type !== 'AWS_PROXY') throw new Error(`${logicalId}: only Lambda proxy integrations are played, got ${String(integration?.Type)}`);
    const functionArn = lambdaArnOfUri(asString(integration.Uri, 'Integration.Uri'));
    if (!functionArn) throw new Error(`${logicalId}: integration URI names no Lambda`);
    routes.push({
      operationName: String(p.OperationName ?? logicalId),
      method: String(p.HttpMethod),
      path: pathOf(asString(p.ResourceId, 'ResourceId')),
      functionArn,
      authorizationType: String(p.AuthorizationType ?? 'NONE'),
      ...(p.AuthorizerId ? { authorizerId: String(p.AuthorizerId) } : {}),
      apiKeyRequired: p.ApiKeyRequired === true,
      restApiId: asString(p.RestApiId, 'RestApiId'),
    });
  }
  const restApis: RestApiSpec[] = [];
  for (const { logicalId, resource, r } of world.resources('AWS::ApiGateway::RestApi')) {
    const id = asString(r.ref(logicalId), 'api id');
    const p = r.resolve(resource.Properties as Json) as Record<string, Json>;
    const stage = [...world.resources('AWS::ApiGateway::Stage')].find((s) => s.r.resolve(s.resource.Properties!.RestApiId!) === id);
    const gatewayResponses: Record<string, { statusCode: number; templates: Record<string, string> }> = {};
    for (const g of world.resources('AWS::ApiGateway::GatewayResponse')) {
      const gp = g.r.resolve(g.resource.Properties as Json) as Record<string, Json>;
      if (gp.RestApiId !== id) continue;
      gatewayResponses[String(gp.ResponseType)] = { statusCode: Number(gp.StatusCode), templates: (gp.ResponseTemplates ?? {}) as Record<string, string> };
    }
    restApis.push({
      id,
      name: String(p.Name ?? logicalId),
      stageName: stage ? asString(stage.r.resolve(stage.resource.Properties!.StageName!), 'StageName') : 'prod',
      apiKeySource: String(p.ApiKeySourceType ?? 'HEADER'),
      binaryMediaTypes: list(p.BinaryMediaTypes as string[] | undefined).map((t) => t.replace(/~1/g, '/')),
      gatewayResponses,
    });
  }
  const authorizers: AuthorizerSpec[] = [];
  for (const { logicalId, resource, r } of world.resources('AWS::ApiGateway::Authorizer')) {
    const p = r.resolve(resource.Properties as Json) as Record<string, Json>;
    const functionArn = lambdaArnOfUri(asString(p.AuthorizerUri, 'AuthorizerUri'));
    if (!functionArn) throw new Error(`${logicalId}: authorizer URI names no Lambda`);
    authorizers.push({
      id: asString(r.ref(logicalId), 'authorizer id'),
      restApiId: asString(p.RestApiId, 'RestApiId'),
      type: String(p.Type),
      functionArn,
      identityHeaders: String(p.IdentitySource ?? '')
        .split(',')
        .map((s) => /^method\.request\.header\.(.+)$/.exec(s.trim())?.[1])
        .filter((h): h is string => Boolean(h)),
      ttlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 300),
    });
  }

  const eventSourceMappings: EventSourceMappingSpec[] = [];
  for (const { resource, r } of world.resources('AWS::Lambda::EventSourceMapping')) {
    const p = r.resolve(resource.Properties as Json) as Record<string, Json>;
    const fnRef = asString(p.FunctionName, 'FunctionName');
    const fn = byName.get(fnRef) ?? functionByArn(fnRef);
    if (!fn) throw new Error(`event source mapping to unknown function ${fnRef}`);
    const filters = list(((p.FilterCriteria as Record<string, Json> | undefined)?.Filters ?? []) as Json[]);
    eventSourceMappings.push({
      functionName: fn.name,
      eventSourceArn: asString(p.EventSourceArn, 'EventSourceArn'),
      patterns: filters.map((f) => JSON.parse(String((f as Record<string, Json>).Pattern)) as unknown),
      batchSize: Number(p.BatchSize ?? 100),
    });
  }

  const rules: RuleSpec[] = [];
  for (const { logicalId, resource, r } of world.resources('AWS::Events::Rule')) {
    const p = r.resolve(resource.Properties as Json) as Record<string, Json>;
    rules.push({
      arn: asString(r.getAtt(logicalId, 'Arn'), 'rule arn'),
      ...(p.ScheduleExpression ? { scheduleExpression: String(p.ScheduleExpression) } : {}),
      targets: list(p.Targets as Json[] | undefined).map((t) => {
        const target = t as Record<string, Json>;
        return { arn: String(target.Arn), ...(target.Input ? { input: String(target.Input) } : {}) };
      }),
    });
  }

  const stateMachines: StateMachineSpec[] = [];
  for (const { logicalId, resource, r } of world.resources('AWS::StepFunctions::StateMachine')) {
    const p = resource.Properties!;
    let text = asString(r.resolve(p.DefinitionString!), 'DefinitionString');
    const substitutions = (r.resolve((p.DefinitionSubstitutions ?? {}) as Json) ?? {}) as Record<string, Json>;
    text = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => (name in substitutions ? asString(substitutions[name], name) : whole));
    stateMachines.push({
      arn: asString(r.ref(logicalId), 'state machine arn'),
      name: asString(r.getAtt(logicalId, 'Name'), 'state machine name'),
      definition: JSON.parse(text) as unknown,
      roleArn: asString(r.resolve(p.RoleArn!), 'RoleArn'),
    });
  }

  const secrets: SecretSpec[] = [];
  for (const { logicalId, resource, r } of world.resources('AWS::SecretsManager::Secret')) {
    const p = (r.resolve((resource.Properties ?? {}) as Json) ?? {}) as Record<string, Json>;
    const arn = asString(r.ref(logicalId), 'secret arn');
    secrets.push({
      arn,
      name: /secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn)![1]!,
      ...(p.GenerateSecretString ? { generate: p.GenerateSecretString as Record<string, unknown> } : {}),
      ...(typeof p.SecretString === 'string' ? { secretString: p.SecretString } : {}),
    });
  }

  const tables: TableSpec[] = [];
  for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table']) {
    for (const { logicalId, resource, r } of world.resources(type)) {
      const p = resource.Properties!;
      tables.push({
        name: asString(r.ref(logicalId), 'table name'),
        arn: asString(r.getAtt(logicalId, 'Arn'), 'table arn'),
        streamArn: asString(r.getAtt(logicalId, 'StreamArn'), 'stream arn'),
        ...((p.StreamSpecification as Record<string, Json> | undefined)?.StreamViewType
          ? { streamViewType: String((p.StreamSpecification as Record<string, Json>).StreamViewType) }
          : {}),
        keySchema: p.KeySchema,
        globalIndexes: list(p.GlobalSecondaryIndexes as Json[] | undefined).map((g) => String((g as Record<string, Json>).IndexName)),
      });
    }
  }

  const kmsKeys = [...world.resources('AWS::KMS::Key')].map(({ logicalId, r }) => ({
    arn: asString(r.getAtt(logicalId, 'Arn'), 'key arn'),
    id: asString(r.ref(logicalId), 'key id'),
  }));
  const emailIdentities = [...world.resources('AWS::SES::EmailIdentity')].map(({ logicalId, r }) => asString(r.ref(logicalId), 'identity'));
  const configurationSets = [...world.resources('AWS::SES::ConfigurationSet')].map(({ logicalId, r }) => asString(r.ref(logicalId), 'configuration set'));
  const scheduleGroups = ['default', ...[...world.resources('AWS::Scheduler::ScheduleGroup')].map(({ logicalId, r }) => asString(r.ref(logicalId), 'schedule group'))];
  const permissions: PermissionSpec[] = [...world.resources('AWS::Lambda::Permission')].map(({ resource, r }) => {
    const p = r.resolve(resource.Properties as Json) as Record<string, Json>;
    const fnRef = asString(p.FunctionName, 'FunctionName');
    return {
      functionArn: byName.get(fnRef)?.arn ?? fnRef,
      principal: String(p.Principal),
      ...(p.SourceArn ? { sourceArn: String(p.SourceArn) } : {}),
    };
  });

  return {
    dir,
    functions,
    routes,
    restApis,
    authorizers,
    eventSourceMappings,
    rules,
    stateMachines,
    secrets,
    tables,
    kmsKeys,
    emailIdentities,
    configurationSets,
    scheduleGroups,
    permissions,
    roleStatements,
    templateCount: world.stacks.length,
    functionByArn,
  };
}
