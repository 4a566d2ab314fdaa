/**
 * Issue 14 (OAuth consent): the connect flow belongs to the browser that started it. The public
 * start endpoint gives that browser a random secret in a cookie and keeps only its SHA-256 in the
 * state item; the callback and the confirmation are refused without the same cookie. So a
 * leaked connect link, callback URL (its `code`) or state is worth nothing in another browser,
 * and a page on another site cannot post the confirmation (SameSite=Lax keeps the cookie off
 * cross-site POSTs).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Provider } from './providers';

/** One flow per provider and browser: starting another one in the same browser replaces it. */
export const bindingCookieName = (provider: Provider) => `nl_oauth_${provider}`;

export const newBindingSecret = () => randomBytes(32).toString('base64url');

export const bindingHash = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** The cookie's secret hashes to the stored one (constant time). No cookie or no stored hash: false. */
export function sameBrowser(storedHash: unknown, secret: string | undefined): boolean {
  if (typeof storedHash !== 'string' || !storedHash || !secret) return false;
  const a = Buffer.from(bindingHash(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A cookie's value from a request's headers (any case of `Cookie`), undefined when absent. */
export function readCookie(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() !== 'cookie' || !value) continue;
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
    }
  }
  return undefined;
}

/**
 * The Set-Cookie value: HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back
 * to the callback and on our own form's POST, not on another site's), Secure when the public URL
 * is https, and scoped to the provider's integration paths under the public base URL (which in
 * AWS may start with the stage). `maxAgeSeconds` 0 deletes it.
 */
export function bindingCookie(publicBaseUrl: string, provider: Provider, secret: string, maxAgeSeconds: number): string {
  const base = new URL(publicBaseUrl || 'http://localhost');
  const path = `${base.pathname.replace(/\/$/, '')}/v2/integrations/${provider}`;
  return [
    `${bindingCookieName(provider)}=${secret}`,
    `Path=${path}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(base.protocol === 'https:' ? ['Secure'] : []),
  ].join('; ');
}
