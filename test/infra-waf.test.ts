/**
 * Issue 14: the optional WAF rate-based rule of the public routes (infra/constructs/public-rate-limit.ts),
 * the AWS twin of the local server's per-IP token bucket: off unless context `waf=true`, then
 * three resources in the root stack, scoped to exactly the public routes of the route table.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NewsletterStack } from '../infra/stack';
import { applySuppressions } from '../infra/nag-suppressions';
import { publicPathPatterns, publicRateLimitFromContext } from '../infra/constructs/public-rate-limit';
import { routes, throttledPerIp, type RouteDefinition } from '#shared/routes';
import { stackTemplates, type Json, type StackTemplate } from './support/stack-templates';

const yieldToEventLoop = () => new Promise((resolve) => setTimeout(resolve, 20));
afterEach(yieldToEventLoop);

let stack: NewsletterStack;
let templates: StackTemplate[];
const LIMIT = 600;

beforeAll(async () => {
  // No bundling: the templates are what is checked (as in test/infra.test.ts).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new NewsletterStack(app, 'WafTest', { stage: 'prod', senderDomain: 'mail.example.com', publicRateLimit: { limit: LIMIT, windowSeconds: 300 } });
  applySuppressions(stack);
  Aspects.of(stack).add(new AwsSolutionsChecks());
  await yieldToEventLoop();
  templates = stackTemplates(app.synth().directory, stack.artifactId);
}, 120_000);

const ofType = (t: StackTemplate, type: string) => Object.entries((t.template.Resources ?? {}) as Record<string, Json>).filter(([, r]) => r.Type === type);
const root = () => templates.find((t) => !t.resourceId)!;

describe('issue 14: WAF rate rule of the public routes', () => {
  it('is off unless asked for: no web ACL in the stack by default', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const plain = new NewsletterStack(app, 'NoWaf', { stage: 'dev', senderDomain: 'mail.example.com', publicRateLimit: publicRateLimitFromContext(() => undefined) });
    expect(plain.publicRateLimit).toBeUndefined();
    expect(plain.node.findAll().some((c) => c instanceof CfnWebACL)).toBe(false);
  });

  it('puts the web ACL, its path set and the association with the stage in the root stack, none in a nested one', () => {
    for (const type of ['AWS::WAFv2::WebACL', 'AWS::WAFv2::RegexPatternSet', 'AWS::WAFv2::WebACLAssociation']) {
      expect(ofType(root(), type), type).toHaveLength(1);
      for (const nested of templates.filter((t) => t.resourceId)) expect(ofType(nested, type), `${type} in ${nested.file}`).toHaveLength(0);
    }
    const [stageId] = ofType(root(), 'AWS::ApiGateway::Stage')[0]!;
    const [aclId] = ofType(root(), 'AWS::WAFv2::WebACL')[0]!;
    const [, association] = ofType(root(), 'AWS::WAFv2::WebACLAssociation')[0]!;
    expect(JSON.stringify(association!.Properties.ResourceArn)).toContain(`"Ref":"${stageId}"`);
    expect(association!.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
  });

  it('blocks an address past the limit on the public paths only, with 429 and the API\'s error envelope', () => {
    const [setId, set] = ofType(root(), 'AWS::WAFv2::RegexPatternSet')[0]!;
    const [, acl] = ofType(root(), 'AWS::WAFv2::WebACL')[0]!;
    const props = acl!.Properties;
    expect(props.Scope).toBe('REGIONAL');
    expect(props.DefaultAction).toEqual({ Allow: {} });
    expect(props.Rules).toHaveLength(1);
    const rule = props.Rules[0];
    expect(rule.Statement.RateBasedStatement).toEqual({
      Limit: LIMIT,
      AggregateKeyType: 'IP',
      EvaluationWindowSec: 300,
      ScopeDownStatement: {
        RegexPatternSetReferenceStatement: { Arn: { 'Fn::GetAtt': [setId, 'Arn'] }, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }] },
      },
    });
    const response = rule.Action.Block.CustomResponse;
    expect(response.ResponseCode).toBe(429);
    const body = props.CustomResponseBodies[response.CustomResponseBodyKey];
    expect(body.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body.Content)).toEqual({ Ok: false, Error: { Code: 'PUBLIC_RATE_LIMITED', HttpStatusCode: 429, Message: expect.any(String) }, Value: null });
    expect(set!.Properties.Scope).toBe('REGIONAL');
    expect(set!.Properties.RegularExpressionList).toEqual(publicPathPatterns(routes));
  });

  it('the path patterns match every public route (with and without the stage) and no keyed route, nor SNS\'s', () => {
    const strings = publicPathPatterns(routes);
    expect(strings.length).toBeLessThanOrEqual(10);
    for (const p of strings) expect(p.length).toBeLessThanOrEqual(200);
    const patterns = strings.map((p) => new RegExp(p));
    const sample = (r: RouteDefinition) => r.path.replace(/\{\w+\}/g, 'x%2Fy.gif');
    const matches = (path: string) => patterns.some((p) => p.test(path));
    const publicPaths = new Set(routes.filter(throttledPerIp).map((r) => r.path));
    for (const r of routes.filter(throttledPerIp)) {
      for (const path of [sample(r), `/prod${sample(r)}`, `${sample(r)}/`]) expect(matches(path), `${r.id} ${path}`).toBe(true);
    }
    for (const r of routes.filter((r) => !throttledPerIp(r) && !publicPaths.has(r.path))) {
      for (const path of [sample(r), `/prod${sample(r)}`]) expect(matches(path), `${r.id} ${path}`).toBe(false);
    }
    expect(matches('/prod/v1/ses/notifications')).toBe(false);
    // A path segment is never crossed: /v1/t/open/a/b is no pixel URL.
    expect(matches('/prod/v1/t/open/a/b')).toBe(false);
  });

  it('packs many public routes into WAF\'s limits, and fails the synth clearly past them', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i): RouteDefinition => ({ id: `pages-${i}`, method: 'GET', path: `/v2/pages/page-number-${i}/{token}`, entry: '', auth: 'public', access: 'R', spec: [], summary: '' }));
    const packed = publicPathPatterns(many(40));
    expect(packed.length).toBeLessThanOrEqual(10);
    for (const p of packed) expect(p.length).toBeLessThanOrEqual(200);
    expect(many(40).every((r) => packed.some((p) => new RegExp(p).test(r.path.replace('{token}', 't'))))).toBe(true);
    expect(() => publicPathPatterns(many(200))).toThrow(/WAF takes 10 a set/);
  });

  it('context: waf=true turns it on with wafPublicRateLimit (default 1000) per wafWindowSeconds (default 300); bad values fail with their key', () => {
    const ctx = (values: Record<string, string>) => (key: string) => values[key];
    expect(publicRateLimitFromContext(ctx({}))).toBeUndefined();
    expect(publicRateLimitFromContext(ctx({ waf: 'false' }))).toBeUndefined();
    expect(publicRateLimitFromContext(ctx({ waf: 'true' }))).toEqual({ limit: 1000, windowSeconds: 300 });
    expect(publicRateLimitFromContext(ctx({ waf: 'true', wafPublicRateLimit: '200', wafWindowSeconds: '60' }))).toEqual({ limit: 200, windowSeconds: 60 });
    expect(() => publicRateLimitFromContext(ctx({ waf: 'yes' }))).toThrow(/context waf/);
    expect(() => publicRateLimitFromContext(ctx({ waf: 'true', wafPublicRateLimit: '5' }))).toThrow(/wafPublicRateLimit/);
    expect(() => publicRateLimitFromContext(ctx({ waf: 'true', wafWindowSeconds: '30' }))).toThrow(/wafWindowSeconds/);
    expect(() => publicRateLimitFromContext(ctx({ wafPublicRateLimit: '200' }))).toThrow(/need waf=true/);
  });

  it('cdk-nag finds nothing with the web ACL attached', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors).toEqual([]);
  }, 120_000);
});
