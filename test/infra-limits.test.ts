/**
 * Issue 11, "Room to grow": CloudFormation refuses a stack of more than 500 resources, and the
 * one stack had 483 with 58 routes. The routes now sit in nested stacks by area
 * (infra/route-stacks.ts); every template stays at or under MAX_STACK_RESOURCES (400) with the
 * route table as it is and with the table grown to 150 routes, a route that would cross it fails
 * the synth, and the one API deployment still covers every method of every nested stack.
 */
import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { NewsletterStack } from '../infra/stack';
import { functionId } from '../infra/constructs/api';
import { MAX_STACK_RESOURCES, routeStackOf, sharedRouteStacks } from '../infra/route-stacks';
import { resourceCounts } from '../infra/resource-budget';
import { routes, type RouteDefinition, type TableAccess } from '#shared/routes';
import { flattenTemplates, stackTemplates, type Json, type StackTemplate } from './support/stack-templates';

/**
 * `count` made-up routes in `area`, on paths of their own, with a mix of what the route table
 * can say: read, read-write or no table; key or public; sending mail; scheduling; a throttle.
 * Their entry is a real handler (the template checks the file exists; nothing is bundled).
 */
function syntheticRoutes(area: string, count: number): RouteDefinition[] {
  const access: TableAccess[] = ['R', 'RW', 'none'];
  return Array.from({ length: count }, (_, i) => ({
    id: `${area}-synthetic-${i}`,
    method: (['GET', 'POST', 'PUT', 'DELETE'] as const)[i % 4]!,
    path: `/v2/synthetic-${area}/{syntheticId}/op${i}`,
    entry: 'functions/lists-list/handler.ts',
    auth: i % 3 === 2 ? 'public' : 'apiKey',
    access: access[i % 3]!,
    ...(i % 5 === 0 ? { sendsMail: true } : {}),
    ...(i % 4 === 1 ? { schedules: true } : {}),
    ...(i % 10 === 3 ? { throttle: { rateLimit: 3, burstLimit: 3 } } : {}),
    spec: ['issue 11'],
    summary: `synthetic route ${i} of ${area}`,
  }));
}

interface Synth {
  stack: NewsletterStack;
  templates: StackTemplate[];
  /** Template file -> resource count. */
  counts: Map<string, number>;
}

/** Lets the worker answer vitest's RPC between synths, each of which blocks it for seconds. */
const yieldToEventLoop = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Synthesizes the app with these routes: no bundling and no cdk-nag (test/infra.test.ts runs those). */
async function synth(table: readonly RouteDefinition[]): Promise<Synth> {
  await yieldToEventLoop();
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new NewsletterStack(app, 'Limits', { stage: 'test', senderDomain: 'mail.example.com', routes: table });
  const templates = stackTemplates(app.synth().directory, stack.artifactId);
  await yieldToEventLoop();
  return { stack, templates, counts: new Map(templates.map((t) => [t.file, Object.keys(t.template.Resources).length])) };
}

const resourcesOf = (t: StackTemplate, type: string) => Object.entries(t.template.Resources as Json).filter(([, r]) => (r as Json).Type === type) as [string, Json][];

/** What every synth must hold, whatever the route table. */
function expectWithinLimitsAndDeployed({ stack, templates, counts }: Synth, table: readonly RouteDefinition[]) {
  for (const [file, n] of counts) expect(n, file).toBeLessThanOrEqual(MAX_STACK_RESOURCES);
  // The synth-time check counts what the templates hold (so its verdict is the templates').
  expect([...resourceCounts(stack).values()].sort()).toEqual([...counts.values()].sort());

  // One deployment and one stage for the whole API, in the root.
  const [root, ...nested] = templates;
  const all = templates.flatMap((t) => resourcesOf(t, 'AWS::ApiGateway::Deployment'));
  expect(all).toHaveLength(1);
  const [[deploymentId, deployment]] = resourcesOf(root!, 'AWS::ApiGateway::Deployment') as [[string, Json]];
  const stages = templates.flatMap((t) => resourcesOf(t, 'AWS::ApiGateway::Stage'));
  expect(stages).toHaveLength(1);
  expect(stages[0]![1].Properties.DeploymentId).toEqual({ Ref: deploymentId });
  // It is created after every nested stack that holds methods, so the stage serves all of them.
  const withMethods = nested.filter((t) => resourcesOf(t, 'AWS::ApiGateway::Method').length > 0).map((t) => t.resourceId);
  expect(withMethods.length).toBeGreaterThan(0);
  expect(deployment.DependsOn).toEqual(expect.arrayContaining(withMethods));

  // Each route: its method (operationName = route id) and its function, logical id functionId,
  // in the nested stack of its area, the one template every look-up (and the bundle test) reads.
  const byStack = new Map(nested.map((t) => [t.file, t]));
  const methods = templates.flatMap((t) => resourcesOf(t, 'AWS::ApiGateway::Method').map(([, m]) => ({ file: t.file, m })));
  expect(methods).toHaveLength(table.length);
  for (const route of table) {
    const method = methods.find(({ m }) => m.Properties.OperationName === route.id);
    expect(method, route.id).toBeDefined();
    const home = byStack.get(method!.file)!;
    expect(home, route.id).toBeDefined();
    expect(home.file, route.id).toContain(`Api${routeStackOf(route)}`);
    expect(home.template.Resources[functionId(route)]?.Type, route.id).toBe('AWS::Lambda::Function');
    expect(JSON.stringify(method!.m.Properties.Integration), route.id).toContain(`"Fn::GetAtt":["${functionId(route)}","Arn"]`);
  }
  // And the flattened view of test/infra.test.ts holds them all without clashing logical ids.
  expect(() => flattenTemplates(templates)).not.toThrow();
}

const deploymentIdOf = (s: Synth) => resourcesOf(s.templates[0]!, 'AWS::ApiGateway::Deployment')[0]![0];

/** 150 routes: the 58 of today, about 40 of a v2 API and regular emails in areas of their own, and more in today's busiest shared stacks. */
// Issue 15 made /emails real: its area is grown to 30 routes, a new area ("regular") takes 20, and
// the busiest shared stacks take what is left of 150. Every share is clamped at zero, so the table
// may keep growing; once it leaves no room for the new area the first assertion says so.
const GROWN = 150;
const emailRoutes = routes.filter((r) => r.id.startsWith('emails-')).length;
const emailsExtra = Math.max(0, Math.min(30 - emailRoutes, GROWN - routes.length - 20));
const rest = Math.max(0, GROWN - routes.length - emailsExtra - 20);
const automationsExtra = Math.min(20, rest);
const grown = [
  ...routes,
  ...syntheticRoutes('emails', emailsExtra),
  ...syntheticRoutes('regular', 20),
  ...syntheticRoutes('automations', automationsExtra),
  ...syntheticRoutes('subscribers', rest - automationsExtra),
];

describe('issue 11: room to grow', () => {
  let today: Synth;

  it('the route table today: every template (root and each nested stack) at or under 400 resources, one deployment of every method', async () => {
    today = await synth(routes);
    expectWithinLimitsAndDeployed(today, routes);
    // Today's areas all sit in the shared stacks (a new area would get its own).
    expect(new Set(routes.map(routeStackOf))).toEqual(new Set(Object.keys(sharedRouteStacks)));
  }, 120_000);

  it('150 routes with one `cdk deploy`: every template at or under 400, one deployment of every method', async () => {
    expect(routes.length + 20, 'the route table leaves no room for a new area of 20 within 150: grow GROWN with the issue-11 target').toBeLessThanOrEqual(GROWN);
    expect(grown).toHaveLength(GROWN);
    expect(new Set(grown.map((r) => r.id)).size).toBe(GROWN);
    const s = await synth(grown);
    expectWithinLimitsAndDeployed(s, grown);
    expect(s.counts.size).toBe(Object.keys(sharedRouteStacks).length + 1 + 1); // + Regular, the root (Emails is a listed stack since issue 15)
    // A new route changes the deployment's logical id, so CloudFormation deploys the stage again
    // (the same routes give the same id: nothing is redeployed for nothing).
    expect(deploymentIdOf(s)).not.toBe(deploymentIdOf(today));
  }, 180_000);

  it('the deployment is deployed again when a route of a nested stack changes, and only then', async () => {
    const again = await synth(routes);
    expect(deploymentIdOf(again)).toBe(deploymentIdOf(today));
    const changed = await synth(routes.map((r) => (r.id === 'webhooks-test' ? { ...r, auth: 'public' as const } : r)));
    expect(deploymentIdOf(changed)).not.toBe(deploymentIdOf(today));
  }, 180_000);

  it('a route that would take a stack past 400 fails the synth, naming the stack; one route fewer passes', async () => {
    // Fill the busiest shared stack up to the limit: each route adds its function, role, policy,
    // log group, method and invoke permission (6 resources) to its nested stack.
    const file = [...today.counts.keys()].find((f) => f.includes('ApiAddressBook'))!;
    const room = Math.floor((MAX_STACK_RESOURCES - today.counts.get(file)!) / 6);
    const full = [...routes, ...syntheticRoutes('subscribers', room)];
    const fits = await synth(full);
    expect(fits.counts.get([...fits.counts.keys()].find((f) => f.includes('ApiAddressBook'))!)).toBeGreaterThan(MAX_STACK_RESOURCES - 6);
    expectWithinLimitsAndDeployed(fits, full);
    await expect(synth([...routes, ...syntheticRoutes('subscribers', room + 1)])).rejects.toThrow(
      /Limits\/Api\/AddressBook has \d+ CloudFormation resources, more than 400/,
    );
  }, 180_000);
});
