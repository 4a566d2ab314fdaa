/** Issue 3: the synthesized stack, checked offline against the shared route table and table definition. */
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NewsletterStack } from '../infra/stack';
import { applySuppressions } from '../infra/nag-suppressions';
import { functionId, THROTTLE } from '../infra/constructs/api';
import { routes } from '#shared/routes';
import { tableDefinition } from '#shared/table/definition';
import { importStateMachineDefinition } from '#shared/imports/state-machine';

let stack: NewsletterStack;
let template: Template;

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const json = (value: unknown) => JSON.stringify(value);

beforeAll(() => {
  const app = new App({ context: { stage: 'test', senderDomain: 'mail.example.com' } });
  stack = new NewsletterStack(app, 'Test', { stage: 'test', senderDomain: 'mail.example.com' });
  applySuppressions(stack);
  Aspects.of(stack).add(new AwsSolutionsChecks());
  template = Template.fromStack(stack);
}, 120_000);

/** The logical id of the function serving a route. */
const logicalIdOf = (routeId: string) => stack.getLogicalId(stack.api.functions.get(routeId)!.node.defaultChild as never);

describe('issue 3: API', () => {
  it('W3/W4: every route of the route table is a method with its own function, and the authorizer iff it needs a key', () => {
    const methods = resources('AWS::ApiGateway::Method').filter(([, r]) => r.Properties.HttpMethod !== 'OPTIONS');
    expect(methods).toHaveLength(routes.length);
    for (const route of routes) {
      const method = methods.find(([, r]) => r.Properties.OperationName === route.id);
      expect(method, route.id).toBeDefined();
      const props = method![1].Properties;
      expect(props.HttpMethod).toBe(route.method);
      expect(json(props.Integration)).toContain(logicalIdOf(route.id));
      if (route.auth === 'apiKey') {
        expect(props.AuthorizationType).toBe('CUSTOM');
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
      AuthorizerResultTtlInSeconds: 30,
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: THROTTLE.rateLimit, BurstLimit: THROTTLE.burstLimit },
    });
    expect(THROTTLE.rateLimit).toBe(10);
  });

  it('L9: API Gateway’s own refusals answer the envelope (401, 429, 413)', () => {
    for (const [type, status, code] of [
      ['UNAUTHORIZED', '401', 'UNAUTHORIZED'],
      ['THROTTLED', '429', 'TOO_MANY_REQUESTS'],
      ['REQUEST_TOO_LARGE', '413', 'PAYLOAD_TOO_LARGE'],
    ]) {
      const [, response] = resources('AWS::ApiGateway::GatewayResponse').find(([, r]) => r.Properties.ResponseType === type)!;
      expect(response.Properties.StatusCode).toBe(status);
      const body = JSON.parse((response.Properties.ResponseTemplates as Record<string, string>)['application/json']!);
      expect(body).toMatchObject({ Ok: false, Error: { Code: code, HttpStatusCode: Number(status) }, Value: null });
    }
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
      const roleId = (template.toJSON().Resources[logicalIdOf(route.id)].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const own = policies.filter(([, p]) => json(p.Properties.Roles).includes(`"${roleId}"`));
      const actions = own.flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()));
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
    const own = resources('AWS::IAM::Policy').filter(([, p]) => json(p.Properties.Roles).includes(roleId));
    const statements = own.flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(json(invoke[0]!.Resource)).toContain(dispatcherId);
    expect(statements.every((s) => [s.Action].flat().every((a) => a.startsWith('lambda:Invoke') || a.startsWith('sqs:')))).toBe(true);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'newsletter-test' });
  });

  it('I7: the deployed state machine is the definition the local runner executes', () => {
    const [[, machine]] = resources('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    expect(JSON.parse(machine.Properties.DefinitionString as string)).toEqual(importStateMachineDefinition);
  });

  it('M2: SES configuration set sends bounces, complaints, opens and clicks to SNS; the sender domain is an identity', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.com' });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint', 'open', 'click'], Enabled: true }),
    });
  });

  it('M2: the SES events topic posts to the bounce endpoint over HTTPS, which knows the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    const [[, sub]] = resources('AWS::SNS::Subscription') as [[string, Resource]];
    expect(json(sub.Properties.Endpoint)).toContain('v1/ses/notifications');
    const fn = template.toJSON().Resources[logicalIdOf('ses-notifications')];
    expect(json(fn.Properties.Environment.Variables.SES_EVENTS_TOPIC_ARN)).toContain(stack.getLogicalId(stack.mail.events.node.defaultChild as never));
  });

  it('observability: alarms on 5xx, client errors (throttles) and the scheduler dead-letter queue', () => {
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(3);
    for (const [, group] of resources('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
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
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
    expect(warnings.map((w) => w.entry.data)).toEqual([]);
    const suppressions = (stack.templateOptions.metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[];
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(30);
  });
});
