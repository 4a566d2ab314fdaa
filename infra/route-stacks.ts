import type { RouteDefinition } from '../shared/routes';

/**
 * CloudFormation refuses a stack of more than 500 resources; we keep every stack (the root and
 * each nested one) at or under 400, so a few more routes never make a deploy fail at the edge.
 * `NewsletterStack` fails the synth past it (resourceBudgetErrors); test/infra-limits.test.ts checks it.
 */
export const MAX_STACK_RESOURCES = 400;

/**
 * Which nested stack holds a route's function and method, by the route's area: the first word
 * of its id (`automations-queue-action` -> `automations`). The areas listed here share a stack;
 * an area listed nowhere gets a stack of its own, named after it (`emails` -> `Emails`).
 *
 * The assignment must never depend on a route's position in the table: a method that moves to
 * another stack is created there before CloudFormation deletes it from the old one, and API
 * Gateway refuses a second method on the same path and verb, so that deploy fails. Adding
 * routes therefore never moves existing ones; moving an area between stacks is a change of its
 * own (docs/deploy.md, "Room to grow").
 */
export const sharedRouteStacks: Readonly<Record<string, readonly string[]>> = {
  AddressBook: ['subscribers', 'groups', 'subscriptions', 'ses', 'lists', 'fields'],
  // The public v2 API's address-book routes (issue 13) and the sender addresses of lists.
  V2: ['v2', 'senders'],
  Webhooks: ['webhooks'],
  // The subscription form's page and public endpoint (issue 15).
  Forms: ['forms'],
  Automations: ['automations', 'tracking'],
  Workspace: ['docs', 'api', 'integrations', 'imports'],
  // Regular emails (issue 15): the v2 API's /emails.
  Emails: ['emails'],
};

const stackOfArea = new Map(Object.entries(sharedRouteStacks).flatMap(([stack, areas]) => areas.map((area) => [area, stack] as const)));

/** The area of a route: the first word of its id. */
export const areaOf = (route: Pick<RouteDefinition, 'id'>): string => route.id.split('-')[0]!;

/** The construct id of the nested stack that holds a route. */
export function routeStackOf(route: Pick<RouteDefinition, 'id'>): string {
  const area = areaOf(route);
  return stackOfArea.get(area) ?? area.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}
