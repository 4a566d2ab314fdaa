/**
 * IAM evaluation as far as the bundle test needs it: an identity policy's statements decide
 * whether an action on a resource is allowed (an explicit Deny wins, otherwise some Allow must
 * match). Actions match case-insensitively with `*` and `?` wildcards, resources case-sensitively.
 * Statements with a Condition are not evaluated: they count as not matching, so a call that only
 * a conditional statement allows shows up as a denial to look at rather than passing silently.
 */
import type { PolicyStatement } from './assembly';

const glob = (pattern: string, flags = '') =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

export const matchesAction = (pattern: string, action: string) => glob(pattern, 'i').test(action);
export const matchesResource = (pattern: string, resource: string) => pattern === '*' || glob(pattern).test(resource);

function applies(s: PolicyStatement, action: string, resource: string): boolean {
  if (s.condition !== undefined) return false;
  const actionMatch = s.notActions ? !s.notActions.some((p) => matchesAction(p, action)) : s.actions.some((p) => matchesAction(p, action));
  if (!actionMatch) return false;
  return s.notResources ? !s.notResources.some((p) => matchesResource(p, resource)) : s.resources.some((p) => matchesResource(p, resource));
}

export function isAllowed(statements: readonly PolicyStatement[], action: string, resource: string): boolean {
  if (statements.some((s) => s.effect === 'Deny' && applies(s, action, resource))) return false;
  return statements.some((s) => s.effect === 'Allow' && applies(s, action, resource));
}
