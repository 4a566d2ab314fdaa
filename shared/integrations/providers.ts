/**
 * SPEC I1: the two providers a workspace can connect, their configuration (endpoints and client
 * credentials, from the environment in AWS and from the simulators locally) and the port every
 * provider adapter implements. docs/imports.md documents each adapter's mapping.
 */
import type { CustomField } from '#shared/lists/fields';
import { providers, type Provider, type ProviderConfig, type ProvidersConfig } from '#shared/ports/provider-config';
export { providers, type Provider, type ProviderConfig, type ProvidersConfig } from '#shared/ports/provider-config';
export const isProvider = (v: unknown): v is Provider => typeof v === 'string' && (providers as readonly string[]).includes(v);

/** Korean names, for messages. */
export const providerNames: Record<Provider, string> = { sixshop: '식스샵', donus: '도너스' };

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token stops working (ISO). */
  expiresAt: string;
  /** The shop or organisation the tokens act for, when the provider says. */
  account?: string;
}

/** A provider member as the import writes it: already mapped to the list's fields. */
export interface ImportedMember {
  email: string;
  fields: Record<string, string | number>;
  adAgreed: 'Y' | 'N';
  /** When the member joined the provider (the subscriber's 구독일), ISO; absent when unknown. */
  joinedAt?: string;
}

export interface MembersPage {
  members: ImportedMember[];
  /** Records of the page left out (no usable email). */
  skipped: number;
  /** Members in the whole provider list, as of this page. */
  total: number;
}

/** Thrown for answers worth retrying (5xx, timeouts, 429): the state machine's Retry matches the name. */
export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
}
/** The provider refused the tokens even after a refresh: the workspace must connect again. */
export class ProviderAuthFailed extends Error {
  override readonly name = 'ProviderAuthFailed';
}

export interface ProviderAdapter {
  readonly provider: Provider;
  /** Fields a linked list of this provider gets, in the order the mapping fills them. */
  readonly fields: readonly CustomField[];
  /** The provider's authorize URL, with PKCE's S256 `codeChallenge` (RFC 7636; issue 14). */
  authorizeUrl(state: string, redirectUri: string, codeChallenge: string): string;
  /** Exchanges the code, proving with `codeVerifier` that we asked for it (PKCE). */
  exchangeCode(code: string, redirectUri: string, codeVerifier: string): Promise<OAuthTokens>;
  refresh(refreshToken: string): Promise<OAuthTokens>;
  /** Page `page` (1-based) of `pageSize` members. Throws ProviderAuthFailed on 401. */
  fetchMembers(accessToken: string, page: number, pageSize: number): Promise<MembersPage>;
}

/** Provider configuration from the environment: `INTEGRATIONS_CONFIG` (JSON) and the client secrets. */
export function providersConfigFromEnvironment(secrets: Partial<Record<Provider, string>>): ProvidersConfig | undefined {
  const raw = process.env.INTEGRATIONS_CONFIG;
  if (!raw) return undefined;
  const parsed = JSON.parse(raw) as Record<Provider, Omit<ProviderConfig, 'clientSecret'>>;
  const out = {} as Record<Provider, ProviderConfig>;
  for (const p of providers) {
    const c = parsed[p];
    if (!c) throw new Error(`INTEGRATIONS_CONFIG has no ${p}`);
    out[p] = { ...c, pageSize: c.pageSize ?? 1000, clientSecret: secrets[p] ?? '' };
  }
  return out;
}
