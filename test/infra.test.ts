/**
 * Issue 3: the synthesized stack, checked offline against the shared route table and table definition.
 * Issue 11: the routes' functions and methods sit in nested stacks; `template` is the root's and
 * every nested stack's resources in one (test/support/stack-templates.ts), each nested stack's
 * parameters replaced by what the root passes, so these assertions see through the split.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, Aspects, CfnElement, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Imports, placeholdersOf } from '../infra/constructs/imports';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NewsletterStack } from '../infra/stack';
import { applySuppressions } from '../infra/nag-suppressions';
import { AUTHORIZER_CACHE_SECONDS, functionId, THROTTLE } from '../infra/constructs/api';
import { FUNCTION_RUNTIME } from '../infra/constructs/function';
import { v2ErrorBody } from '#shared/http/conventions/v2';
import { errorCatalog } from '#shared/http/errors';
import { routes } from '#shared/routes';
import { tableDefinition } from '#shared/table/definition';
import { importStateMachineDefinition, importTasks } from '#shared/imports/state-machine';
import { flattenedTemplate } from './support/stack-templates';
import { metricNames, METRICS_NAMESPACE, METRICS_SERVICE } from '#shared/metrics/names';

let stack: NewsletterStack;
let template: Template;

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const json = (value: unknown) => JSON.stringify(value);
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const statementsOf = (policy: Resource) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
/** Every statement of the inline policies attached to a role. */
const roleStatements = (roleLogicalId: string) =>
  resources('AWS::IAM::Policy')
    .filter(([, p]) => json(p.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(([, p]) => statementsOf(p));
const roleOfFunction = (fnLogicalId: string) =>
  (template.toJSON().Resources[fnLogicalId].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
/** The logical id a construct's resource has in its template (route functions override theirs: functionId). */
const logicalId = (construct: { node: { defaultChild?: unknown } }) => {
  const element = construct.node.defaultChild as CfnElement;
  return Stack.of(element).resolve(element.logicalId) as string;
};

/**
 * Synthesis blocks the worker for seconds at a time; vitest's RPC to it times out if the event
 * loop gets no turn for a minute, which a loaded machine reaches over a few synths in a row.
 */
const yieldToEventLoop = () => new Promise((resolve) => setTimeout(resolve, 20));
afterEach(yieldToEventLoop);

beforeAll(async () => {
  // No bundling: the template is what is checked, and bundling 60 functions would block the
  // test worker for a minute (vitest's RPC times out). `npm run synth` bundles for real.
  const app = new App({ context: { stage: 'test', senderDomain: 'mail.example.com', 'aws:cdk:bundling-stacks': [] } });
  stack = new NewsletterStack(app, 'Test', { stage: 'test', senderDomain: 'mail.example.com' });
  applySuppressions(stack);
  Aspects.of(stack).add(new AwsSolutionsChecks());
  await yieldToEventLoop();
  template = Template.fromJSON(flattenedTemplate(app.synth().directory, stack.artifactId));
}, 120_000);

/** The logical id of the function serving a route. */
const logicalIdOf = (routeId: string) => logicalId(stack.api.functions.get(routeId)!);

describe('issue 3: API', () => {
  it('W3/W4: every route of the route table is a method with its own function, and the authorizer iff it needs a key', () => {
    const methods = resources('AWS::ApiGateway::Method').filter(([, r]) => r.Properties.HttpMethod !== 'OPTIONS');
    expect(methods).toHaveLength(routes.length);
    const [[authorizerId]] = resources('AWS::ApiGateway::Authorizer') as [[string, Resource]];
    const resourcePaths = new Map<string, string>();
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id) return ''; // the root resource (Fn::GetAtt RootResourceId)
      if (!resourcePaths.has(id)) {
        const r = template.toJSON().Resources[id].Properties as { ParentId: unknown; PathPart: string };
        resourcePaths.set(id, `${pathOf(r.ParentId)}/${r.PathPart}`);
      }
      return resourcePaths.get(id)!;
    };
    for (const route of routes) {
      const method = methods.find(([, r]) => r.Properties.OperationName === route.id);
      expect(method, route.id).toBeDefined();
      const props = method![1].Properties;
      expect(props.HttpMethod).toBe(route.method);
      expect(pathOf(props.ResourceId), route.id).toBe(route.path);
      expect(json(props.Integration)).toContain(logicalIdOf(route.id));
      if (route.auth === 'apiKey') {
        expect(props.AuthorizationType).toBe('CUSTOM');
        expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
        expect(props.ApiKeyRequired).toBe(true);
      } else {
        expect(props.AuthorizationType).toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
      }
    }
    expect(new Set(routes.map(functionId)).size).toBe(routes.length);
  });

  it('W2/W4: a REQUEST authorizer on the AccessToken header with a short cache, keys from the authorizer, 10 rps per key', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.AccessToken',
      AuthorizerResultTtlInSeconds: 60,
    });
    expect(AUTHORIZER_CACHE_SECONDS).toBe(60);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: THROTTLE.rateLimit, BurstLimit: THROTTLE.burstLimit },
    });
    expect(THROTTLE.rateLimit).toBe(10);
  });

  it('L9: API Gateway’s own refusals answer the envelope with the codes and messages of errors.ts (401, 429, 413, 4xx, 5xx)', () => {
    const responses = resources('AWS::ApiGateway::GatewayResponse');
    for (const [type, status, code] of [
      ['UNAUTHORIZED', '401', 'UNAUTHORIZED'],
      ['ACCESS_DENIED', '401', 'UNAUTHORIZED'],
      ['THROTTLED', '429', 'TOO_MANY_REQUESTS'],
      ['REQUEST_TOO_LARGE', '413', 'PAYLOAD_TOO_LARGE'],
      ['DEFAULT_4XX', '400', 'INVALID_REQUEST'],
      ['DEFAULT_5XX', '500', 'INTERNAL_ERROR'],
    ] as const) {
      const found = responses.find(([, r]) => r.Properties.ResponseType === type);
      expect(found, type).toBeDefined();
      expect(found![1].Properties.StatusCode).toBe(status);
    }
    for (const [, response] of responses) {
      const body = JSON.parse((response.Properties.ResponseTemplates as Record<string, string>)['application/json']!);
      const code = body.Error.Code as keyof typeof errorCatalog;
      // One body serves both versions (issue 13): the v1 envelope and, beside it, the v2 error.
      expect(body).toEqual({
        Ok: false,
        Error: { Code: code, HttpStatusCode: errorCatalog[code].status, Message: errorCatalog[code].message },
        Value: null,
        ...v2ErrorBody(code),
      });
      expect(body.httpStatusCode).toBe(errorCatalog[code].status);
      expect(body.code).toMatch(/^stberror\.Errors\.[A-Za-z]+\.[A-Za-z]+$/);
      // The status API Gateway answers with is the one the envelope states.
      expect(response.Properties.StatusCode).toBe(String(errorCatalog[code].status));
    }
  });

  it('every function: Node.js 24 on arm64, ESM bundle, a log group with retention; link writers know the public URL', () => {
    const fns = resources('AWS::Lambda::Function').filter(([, f]) => f.Properties.Runtime !== undefined && String(f.Properties.Handler).startsWith('index.'));
    expect(fns.length).toBeGreaterThanOrEqual(routes.length + 2);
    expect(FUNCTION_RUNTIME.name).toBe('nodejs24.x');
    for (const [id, fn] of fns) {
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(json(fn.Properties.LoggingConfig), id).toContain('LogGroup');
    }
    for (const route of routes.filter((r) => r.access !== 'none')) {
      const env = template.toJSON().Resources[logicalIdOf(route.id)].Properties.Environment.Variables;
      // Defaults to the stage's execute-api URL, built from the API id (no dependency cycle).
      expect(json(env.PUBLIC_BASE_URL), route.id).toContain('execute-api');
      expect(env.TABLE_NAME, route.id).toBeDefined();
    }
    const dispatcherEnv = template.toJSON().Resources[logicalId(stack.automation.dispatcher)].Properties.Environment.Variables;
    expect(json(dispatcherEnv.PUBLIC_BASE_URL)).toContain('execute-api');
  });

  it('W2: the authorizer reads the table and nothing else (no link-signing secret, no writes, no mail)', () => {
    const actions = roleStatements(roleOfFunction(logicalId(stack.api.authorizerFunction))).flatMap((s) => [s.Action].flat());
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('xray:'))).toEqual([]);
    expect(actions.some((a) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'].includes(a))).toBe(false);
  });
});

describe('issue 3: data', () => {
  it('the table has the shared definition’s keys, GSIs and TTL, on demand, with PITR, deletion protection and a stream', () => {
    const [[, table]] = resources('AWS::DynamoDB::GlobalTable') as [[string, Resource]];
    const p = table.Properties;
    expect(p.KeySchema).toEqual([
      { AttributeName: tableDefinition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableDefinition.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(p.GlobalSecondaryIndexes).toEqual(
      tableDefinition.globalIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: g.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: g.projection },
      })),
    );
    const defined = [tableDefinition.partitionKey, tableDefinition.sortKey, ...tableDefinition.globalIndexes.flatMap((g) => [g.partitionKey, g.sortKey])];
    expect(p.AttributeDefinitions).toEqual(expect.arrayContaining(defined.map((k) => ({ AttributeName: k.name, AttributeType: k.type }))));
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: tableDefinition.ttlAttribute, Enabled: true });
    expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(json(p.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
    expect(json(p.Replicas)).toContain('"DeletionProtectionEnabled":true');
  });

  it('R3/least privilege: no dynamodb:*, no data action on *, and read-only routes get no write action', () => {
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    const policies = resources('AWS::IAM::Policy');
    for (const [, policy] of policies) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement) {
        const actions = [statement.Action].flat();
        expect(actions).not.toContain('dynamodb:*');
        if (actions.some((a) => a.startsWith('dynamodb:'))) expect([statement.Resource].flat()).not.toContain('*');
      }
    }
    for (const route of routes) {
      const actions = roleStatements(roleOfFunction(logicalIdOf(route.id))).flatMap((s) => [s.Action].flat());
      // Mail is granted only where the route table says the function sends it.
      expect(actions.includes('ses:SendEmail'), route.id).toBe(route.sendsMail === true);
      if (route.access === 'R') {
        expect(actions.some((a) => writes.includes(a)), route.id).toBe(false);
        expect(actions, route.id).toContain('dynamodb:GetItem');
      } else if (route.access === 'RW') {
        expect(actions, route.id).toContain('dynamodb:PutItem');
      } else {
        expect(actions.some((a) => a.startsWith('dynamodb:')), route.id).toBe(false);
      }
    }
  });
});

describe('issue 3: automation, imports, mail', () => {
  it('A8: the Scheduler role may invoke the dispatcher and nothing else', () => {
    const roleId = stack.getLogicalId(stack.automation.schedulerRole.node.defaultChild as never);
    const dispatcherId = stack.getLogicalId(stack.automation.dispatcher.node.defaultChild as never);
    const statements = roleStatements(roleId);
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(json(invoke[0]!.Resource)).toContain(':function:newsletter-test-automation-dispatch');
    expect(template.toJSON().Resources[dispatcherId].Properties.FunctionName).toBe('newsletter-test-automation-dispatch');
    expect(statements.every((s) => [s.Action].flat().every((a) => a.startsWith('lambda:Invoke') || a.startsWith('sqs:')))).toBe(true);
    // No other role can be used to invoke it in Scheduler's name, and Scheduler may assume this one only for this account.
    const trust = template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'newsletter-test' });
  });

  it('A8: only functions that schedule may create or delete entries, only in the group, passing only the scheduler role', () => {
    const schedulerRoleId = stack.getLogicalId(stack.automation.schedulerRole.node.defaultChild as never);
    const allowedRoles = new Set([
      ...routes.filter((r) => r.schedules).map((r) => roleOfFunction(logicalIdOf(r.id))),
      roleOfFunction(logicalId(stack.automation.dispatcher)),
      roleOfFunction(logicalId(stack.webhooks.worker)),
    ]);
    const creators = resources('AWS::IAM::Policy').filter(([, p]) => statementsOf(p).some((st) => [st.Action].flat().includes('scheduler:CreateSchedule')));
    const creatorRoles = new Set(creators.flatMap(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref)));
    expect(creatorRoles).toEqual(allowedRoles);
    for (const [, p] of creators) {
      for (const st of statementsOf(p)) {
        const actions = [st.Action].flat();
        if (actions.includes('scheduler:CreateSchedule')) expect(json(st.Resource)).toContain(':schedule/newsletter-test/*');
        if (actions.includes('iam:PassRole')) expect(json(st.Resource)).toBe(json({ 'Fn::GetAtt': [schedulerRoleId, 'Arn'] }));
      }
    }
    const fn = template.toJSON().Resources[logicalIdOf('automations-transition')].Properties.Environment.Variables;
    expect(fn).toMatchObject({ SCHEDULE_GROUP: 'newsletter-test' });
    expect(json(fn.DISPATCHER_ARN)).toContain(':function:newsletter-test-automation-dispatch');
  });

  it('A3a: the usage plan holds the automated-email API to 3 requests/s on top of the 10', () => {
    const [[, plan]] = resources('AWS::ApiGateway::UsagePlan') as [[string, Resource]];
    const stage = (plan.Properties.ApiStages as Array<{ Throttle: Record<string, { RateLimit: number; BurstLimit: number }> }>)[0]!;
    expect(stage.Throttle).toEqual({ '/api/v1.0/auto/{key}/POST': { RateLimit: 3, BurstLimit: 3 } });
  });

  it('I7: the deployed state machine is the definition the local runner executes, each task a Lambda of functions/', () => {
    const [[, machine]] = resources('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    // The string is the module's JSON byte for byte; only the task ARNs are substituted in.
    expect(machine.Properties.DefinitionString).toBe(JSON.stringify(importStateMachineDefinition));
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    expect(Object.keys(substitutions).sort()).toEqual(placeholdersOf(importStateMachineDefinition));
    expect(Object.keys(substitutions).sort()).toEqual(Object.keys(importTasks).sort());
    for (const [placeholder, ref] of Object.entries(substitutions)) {
      expect(ref['Fn::GetAtt'][1]).toBe('Arn');
      const fn = template.toJSON().Resources[ref['Fn::GetAtt'][0]];
      expect(fn.Type, placeholder).toBe('AWS::Lambda::Function');
      expect(fn.Properties.Environment.Variables).toMatchObject({ TOKEN_KMS_KEY_ID: expect.anything(), INTEGRATIONS_CONFIG: expect.any(String) });
    }
    // Map over pages with bounded concurrency, retries and a compensation path.
    const states = importStateMachineDefinition.States;
    expect(states.WritePages.Type).toBe('Map');
    expect(states.WritePages.MaxConcurrencyPath).toBe('$.concurrency');
    expect(states.WritePages.Catch[0]!.Next).toBe('Compensate');
    expect(states.Switch.Retry[0]!.ErrorEquals).toContain('TransientError');
    const importsStart = template.toJSON().Resources[logicalIdOf('imports-start')];
    expect(importsStart.Properties.Environment.Variables.IMPORT_STATE_MACHINE_ARN).toBeDefined();
  });

  it('I1, R3: OAuth tokens are encrypted under a rotated KMS key; only the callback and the import tasks may use it', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keyId = stack.getLogicalId(stack.integrationTokenKey.node.defaultChild as never);
    const users = Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
      ([, r]) => r.Type === 'AWS::IAM::Policy' && json(r.Properties).includes(keyId),
    );
    // Five import tasks and the OAuth callback.
    expect(users).toHaveLength(6);
    for (const [, policy] of users) {
      const actions = (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement
        .filter((st) => json(st.Resource).includes(keyId))
        .flatMap((st) => [st.Action].flat());
      expect(actions.every((a) => a === 'kms:Encrypt' || a === 'kms:Decrypt')).toBe(true);
    }
  });

  it('I7: a placeholder in the definition is an ARN substitution, and a missing task fails the synth', () => {
    expect(placeholdersOf({ States: { A: { Resource: '${FetchPage}' }, B: { Resource: '${Switch}', X: '$.a' } } })).toEqual(['FetchPage', 'Switch']);
    const app = new App();
    const other = new Stack(app, 'Other');
    expect(() => new Imports(other, 'Imports', { tasks: { Unused: LambdaFunction.fromFunctionArn(other, 'F', 'arn:aws:lambda:us-east-1:123456789012:function:f') } })).toThrow(/unused \[Unused\]/);
  });

  it('M2: SES configuration set sends bounces, complaints, opens and clicks to SNS; the sender domain is an identity', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.com' });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['send', 'bounce', 'complaint', 'open', 'click'], Enabled: true }),
    });
  });

  it('M2: the SES events topic posts to the bounce endpoint over HTTPS, which knows the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    const [[, sub]] = resources('AWS::SNS::Subscription') as [[string, Resource]];
    expect(json(sub.Properties.Endpoint)).toContain('v1/ses/notifications');
    const fn = template.toJSON().Resources[logicalIdOf('ses-notifications')];
    expect(json(fn.Properties.Environment.Variables.SES_EVENTS_TOPIC_ARN)).toContain(stack.getLogicalId(stack.mail.events.node.defaultChild as never));
  });

  it('M2/A8: only mail senders may send, as the sender domain through the configuration set', () => {
    const sends = resources('AWS::IAM::Policy').flatMap(([, p]) => statementsOf(p)).filter((s) => [s.Action].flat().includes('ses:SendEmail'));
    // Routes that send (double opt-in, "send now"), the dispatcher, the events worker and the regular emails' page task (issue 15).
    expect(sends).toHaveLength(routes.filter((r) => r.sendsMail).length + 3);
    for (const s of sends) {
      expect(json(s.Resource)).toContain(`":identity/",{"Ref":"${logicalId(stack.mail.identity)}"}`);
      expect(json(s.Resource)).toContain(`":configuration-set/",{"Ref":"${logicalId(stack.mail.configurationSet)}"}`);
      expect(json(s.Resource)).not.toContain('"*"');
    }
  });

  it('observability: alarms on 5xx, on 429s counted from the access log, on the scheduler dead-letter queue and on the worker\'s dead letters', () => {
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(4);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.status = "429" }' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttled', Namespace: 'Newsletter' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' });
    for (const [, group] of resources('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });
});

describe('issue 3: parameters', () => {
  it('custom domain (context domainName + certificateArn): a regional TLS 1.2 domain at the API root, and links in emails use it', () => {
    // Skips esbuild for this second stack (CDK's own switch, as `cdk deploy --exclusively` uses): only its template matters here.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const other = new NewsletterStack(app, 'Domain', {
      stage: 'prod',
      senderDomain: 'mail.example.com',
      customDomain: { domainName: 'api.example.com', certificateArn: 'arn:aws:acm:ap-northeast-2:123456789012:certificate/abc' },
    });
    const t = Template.fromJSON(flattenedTemplate(app.synth().directory, other.artifactId));
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    t.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    const fnId = logicalId(other.api.functions.get('subscribers-subscribe')!);
    expect(t.toJSON().Resources[fnId].Properties.Environment.Variables.PUBLIC_BASE_URL).toBe('https://api.example.com');
    expect(Object.keys(t.toJSON().Outputs)).toContain('CustomDomainTarget');
  });
});

describe('L10: webhook worker', () => {
  it('L10: the worker is woken by sealed event batches on the table stream and every minute for retries', () => {
    const workerId = stack.getLogicalId(stack.webhooks.worker.node.defaultChild as never);
    const [[, mapping]] = resources('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    expect(json(mapping.Properties.FunctionName)).toContain(workerId);
    expect(json(mapping.Properties.FilterCriteria)).toContain('eventSeal');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });
});

describe('issue 3: cdk-nag', () => {
  it('AwsSolutions checks: no unsuppressed error or warning, and every suppression gives a reason', () => {
    // Findings of the nested stacks' resources are the root artifact's messages too.
    const annotations = Annotations.fromStack(stack);
    const errors = annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
    expect(warnings.map((w) => w.entry.data)).toEqual([]);
    type Suppression = { id: string; reason: string };
    const suppressions = [
      ...((stack.templateOptions.metadata?.cdk_nag?.rules_to_suppress ?? []) as Suppression[]),
      ...Object.values(template.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: Suppression[] } } }>).flatMap(
        (r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [],
      ),
    ];
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(30);
  });
});

describe('issue 11: what the deployed API does with bodies and secrets', () => {
  it('defect 4: the REST API treats every media type as binary, so the pixel is bytes whatever the Accept header', () => {
    const [[, restApi]] = resources('AWS::ApiGateway::RestApi') as [[string, Resource]];
    expect(restApi.Properties.BinaryMediaTypes).toEqual(['*/*']);
  });

  it('defect 3: the integrations secret is created as the JSON the functions read, both client secrets empty', () => {
    const secrets = resources('AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('IntegrationClientSecrets'));
    expect(secrets).toHaveLength(1);
    const generate = secrets[0]![1].Properties.GenerateSecretString as { SecretStringTemplate: string; GenerateStringKey: string };
    const created = { ...(JSON.parse(generate.SecretStringTemplate) as object), [generate.GenerateStringKey]: 'random' };
    expect(created).toMatchObject({ sixshop: '', donus: '' });
  });
});

describe('issue 11: routes in nested stacks', () => {
  it('API Gateway may invoke each route’s function for that route’s method and path on the stage only (one permission each)', () => {
    const restApiId = logicalId(stack.api.restApi);
    const permissions = resources('AWS::Lambda::Permission');
    for (const route of routes) {
      const fnId = logicalIdOf(route.id);
      const mine = permissions.filter(([, p]) => json(p.Properties.FunctionName) === json({ 'Fn::GetAtt': [fnId, 'Arn'] }));
      expect(mine, route.id).toHaveLength(1);
      const p = mine[0]![1].Properties;
      expect(p.Principal, route.id).toBe('apigateway.amazonaws.com');
      expect(p.Action, route.id).toBe('lambda:InvokeFunction');
      const arn = p.SourceArn as { 'Fn::Join': [string, unknown[]] };
      expect(arn['Fn::Join'][1], route.id).toEqual([
        'arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':',
        { Ref: restApiId },
        `/test/${route.method}${route.path.replace(/\{[^}]*\}/g, '*')}`,
      ]);
    }
  });
});

describe('issue 12: what the AWS side of crash safety needs', () => {
  it('SES reports accepted messages (the Send event proves a send went out) and dead letters raise an alarm', () => {
    const destinations = resources('AWS::SES::ConfigurationSetEventDestination');
    expect(json(destinations).toLowerCase()).toContain('"send"');
    const filters = resources('AWS::Logs::MetricFilter').filter(([, f]) => json(f.Properties).includes('dead letter'));
    expect(filters).toHaveLength(1);
    expect(json(filters[0]![1].Properties.LogGroupName)).toContain('WebhooksWorkerLogs');
    const alarms = resources('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === 'DeadLetters');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({ Threshold: 1, Namespace: 'Newsletter' });
  });
});

describe('issue 17: the operations dashboard', () => {
  it('the stack has one dashboard graphing every catalog metric by the names, namespace and service the code emits, and the alarms', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const name of metricNames) expect(body, name).toContain(name);
    expect(body).toContain(`\\"${METRICS_NAMESPACE}\\",\\"EmailsSent\\",\\"Source\\",\\"automation\\",\\"service\\",\\"${METRICS_SERVICE}\\"`);
    expect(body).toContain('{\\"type\\":\\"alarm\\"');
    // The four alarms of issue 12 and before, by their ARNs.
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmIds).toHaveLength(4);
    for (const id of alarmIds) expect(body).toContain(id);
    expect(Object.keys(template.toJSON().Outputs)).toEqual(expect.arrayContaining(['DashboardName', 'LinkSigningSecretArn']));
  });

  it('throttled requests per workspace are counted from the access log (API Gateway throttles before any function runs)', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.status = "429") && ($.workspaceId = "*") }',
      MetricTransformations: [{ MetricName: 'ThrottledByWorkspace', MetricNamespace: METRICS_NAMESPACE, Dimensions: [{ Key: 'WorkspaceId', Value: '$.workspaceId' }], MetricValue: '1' }],
    });
  });
});
