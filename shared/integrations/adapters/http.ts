/** What both provider adapters share: OAuth token requests, authenticated GETs, error mapping, value mapping. */
import { checkFieldValue, type CustomField } from '#shared/lists/fields';
import { isValidEmail, normalizeEmail } from '#shared/subscribers/email';
import { ProviderAuthFailed, ProviderUnavailable, type ImportedMember, type OAuthTokens } from '../providers';

const TIMEOUT_MS = 10_000;

async function call(url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ProviderUnavailable(`provider unreachable: ${(error as Error).message}`);
  }
  const text = await res.text();
  if (res.status === 401) throw new ProviderAuthFailed(`provider refused the token (${res.status})`);
  if (res.status === 429 || res.status >= 500) throw new ProviderUnavailable(`provider answered ${res.status}`);
  if (!res.ok) throw new Error(`provider answered ${res.status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderUnavailable('provider answered with malformed JSON');
  }
}

/**
 * PKCE's authorize parameters (RFC 7636 4.3). Sent to every provider: one that does not support
 * PKCE ignores unknown parameters (RFC 6749 3.1), one that does binds the code to our verifier.
 */
export const pkceChallenge = (codeChallenge: string) => ({ code_challenge: codeChallenge, code_challenge_method: 'S256' });

export const getJson = (url: string, accessToken: string) =>
  call(url, { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } });

export async function tokenRequest(
  tokenUrl: string,
  params: Record<string, string>,
  encoding: 'form' | 'json',
  read: (body: Record<string, unknown>) => { access?: unknown; refresh?: unknown; expiresIn?: unknown; account?: unknown },
  now: () => Date,
  previousRefresh?: string,
): Promise<OAuthTokens> {
  const body = (await call(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': encoding === 'form' ? 'application/x-www-form-urlencoded' : 'application/json', Accept: 'application/json' },
    body: encoding === 'form' ? new URLSearchParams(params).toString() : JSON.stringify(params),
  }).catch((error: unknown) => {
    // A refused grant (400 invalid_grant) is an auth failure, not a bug.
    if (error instanceof Error && / 40\d$/.test(error.message)) throw new ProviderAuthFailed(error.message);
    throw error;
  })) as Record<string, unknown>;
  const t = read(body);
  if (typeof t.access !== 'string' || !t.access) throw new ProviderAuthFailed('token answer without an access token');
  const refresh = typeof t.refresh === 'string' && t.refresh ? t.refresh : previousRefresh;
  if (!refresh) throw new ProviderAuthFailed('token answer without a refresh token');
  const seconds = Number(t.expiresIn);
  return {
    accessToken: t.access,
    refreshToken: refresh,
    expiresAt: new Date(now().getTime() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000).toISOString(),
    ...(typeof t.account === 'string' && t.account ? { account: t.account } : {}),
  };
}

/**
 * One provider record → an imported member. Values that do not fit their field type are left
 * out (the member is still imported); a member without a valid email is skipped (undefined).
 */
export function mapMember(
  fields: readonly CustomField[],
  email: unknown,
  values: Record<string, unknown>,
  adAgreed: boolean,
  joinedAt: unknown,
): ImportedMember | undefined {
  if (typeof email !== 'string') return undefined;
  const normalized = normalizeEmail(email);
  if (!isValidEmail(normalized)) return undefined;
  const out: Record<string, string | number> = {};
  for (const field of fields) {
    if (field.tag === 'email' || !(field.tag in values)) continue;
    const checked = checkFieldValue(field, values[field.tag]);
    if (checked.ok && checked.value !== '') out[field.tag] = checked.value;
  }
  const joined = typeof joinedAt === 'string' && !Number.isNaN(Date.parse(joinedAt)) ? new Date(joinedAt).toISOString() : undefined;
  return { email: normalized, fields: out, adAgreed: adAgreed ? 'Y' : 'N', ...(joined ? { joinedAt: joined } : {}) };
}

export const asArray = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
