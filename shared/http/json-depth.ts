/**
 * Issue 14 (R1): how deep a request body may nest. The API's own shapes nest a handful of
 * levels (a subscriber row's field, an automated email's filter, an API trigger's variables);
 * a 50,000-level value parsed fine but overflowed the stack later (marshalling it for
 * DynamoDB, logging it), after the subscriber had been written. Checked once at the boundary,
 * before any handler runs, without recursion (so the check cannot overflow either).
 */
export const MAX_BODY_DEPTH = 32;

/** The depth of a parsed JSON value (a scalar is 0, `{}` or `[]` is 1), or `Infinity` once past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_BODY_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    if (here > limit) return Infinity;
    if (here > deepest) deepest = here;
    for (const child of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, here]);
    }
  }
  return deepest;
}

/**
 * Issue 14, prototype keys: whether any object in the parsed value has an own `__proto__` key.
 * JSON.parse keeps it as a plain key, but every object copy (spread, a schema's output) turns it
 * into the copy's prototype; no shape of this API has such a key, so a body with one is refused.
 */
export function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, '__proto__')) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return false;
}
