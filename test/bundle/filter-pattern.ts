/**
 * Lambda event filtering (the FilterCriteria of an event-source mapping): a record passes when
 * any filter's pattern matches it. A pattern is an object whose keys name fields of the record:
 * a nested object descends, an array lists what the field may be: literal values (equality) or
 * comparison objects (prefix, suffix, anything-but, numeric, exists, equals-ignore-case). An
 * array field in the record matches when one of its elements does. Operators this code does not
 * know throw, so a new pattern in the template cannot pass unchecked.
 */
type Matcher = string | number | boolean | null | Record<string, unknown>;

function matchesOne(matcher: Matcher, present: boolean, value: unknown): boolean {
  if (matcher === null || typeof matcher !== 'object') return present && value === matcher;
  const [op, arg] = Object.entries(matcher)[0] ?? [];
  switch (op) {
    case 'exists':
      return arg ? present : !present;
    case 'prefix':
      return present && typeof value === 'string' && value.startsWith(String(arg));
    case 'suffix':
      return present && typeof value === 'string' && value.endsWith(String(arg));
    case 'equals-ignore-case':
      return present && typeof value === 'string' && value.toLowerCase() === String(arg).toLowerCase();
    case 'anything-but': {
      if (!present) return false;
      if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) return !matchesOne(arg as Matcher, present, value);
      return ![arg].flat().some((a) => a === value);
    }
    case 'numeric': {
      if (!present || typeof value !== 'number') return false;
      const terms = arg as Array<string | number>;
      for (let i = 0; i < terms.length; i += 2) {
        const bound = Number(terms[i + 1]);
        const ok = { '=': value === bound, '<': value < bound, '<=': value <= bound, '>': value > bound, '>=': value >= bound }[String(terms[i])];
        if (ok === undefined) throw new Error(`filter pattern: unknown numeric operator ${String(terms[i])}`);
        if (!ok) return false;
      }
      return true;
    }
    default:
      throw new Error(`filter pattern: operator ${String(op)} is not implemented by the bundle test`);
  }
}

function matchesField(rule: unknown, present: boolean, value: unknown): boolean {
  if (Array.isArray(rule)) {
    const values = Array.isArray(value) ? value : [value];
    return rule.some((m) => (Array.isArray(value) ? values.some((v) => matchesOne(m as Matcher, present, v)) : matchesOne(m as Matcher, present, value)));
  }
  if (rule !== null && typeof rule === 'object') {
    return matchesPattern(rule as Record<string, unknown>, present && value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  }
  throw new Error(`filter pattern: a field's rule must be an array or an object, got ${JSON.stringify(rule)}`);
}

export function matchesPattern(pattern: Record<string, unknown>, record: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, rule]) => matchesField(rule, Object.prototype.hasOwnProperty.call(record, key), record[key]));
}

/** The mapping's rule: no filters pass everything, otherwise any one filter must match. */
export const passesFilters = (patterns: readonly unknown[], record: Record<string, unknown>) =>
  patterns.length === 0 || patterns.some((p) => matchesPattern(p as Record<string, unknown>, record));
