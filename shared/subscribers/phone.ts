/**
 * Phone numbers: separators (spaces, hyphens, dots, parentheses) are dropped; what is left must
 * be 8 to 15 digits, optionally after a leading +. Korean mobiles (010-1234-5678) and landlines
 * (02-123-4567) fit, as do international numbers. Uniqueness compares the digits.
 */
export function normalizePhone(raw: string): string | null {
  const compact = raw.trim().replace(/[\s\-.()]/g, '');
  if (!/^\+?\d{8,15}$/.test(compact)) return null;
  return compact;
}
