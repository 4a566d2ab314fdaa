/**
 * Donus adapter. The real API's shapes are not public here: this follows the local simulator
 * (shared/local/provider-simulator.ts); docs/imports.md has the mapping table.
 */
import type { CustomField } from '#shared/lists/fields';
import type { Clock } from '#shared/ports/clock';
import type { ProviderAdapter, ProviderConfig } from '../providers';
import { asArray, getJson, mapMember, pkceChallenge, tokenRequest } from './http';

export const donusFields: readonly CustomField[] = [
  { tag: 'email', label: '이메일 주소', type: 'email' },
  { tag: 'name', label: '이름', type: 'text' },
  { tag: 'phone', label: '전화번호', type: 'phone' },
  { tag: 'donorId', label: '후원자 번호', type: 'text' },
  { tag: 'donationType', label: '후원 유형', type: 'text' },
  { tag: 'totalDonation', label: '누적 후원금액', type: 'number' },
  { tag: 'firstDonatedAt', label: '첫 후원일', type: 'date' },
];

const donationTypes: Record<string, string> = { REGULAR: '정기후원', ONE_TIME: '일시후원' };

export function createDonusAdapter(config: ProviderConfig, clock: Clock): ProviderAdapter {
  const now = () => clock.now();
  const readTokens = (b: Record<string, unknown>) => ({ access: b.access_token, refresh: b.refresh_token, expiresIn: b.expires_in, account: b.organization });
  const client = { client_id: config.clientId, client_secret: config.clientSecret };
  return {
    provider: 'donus',
    fields: donusFields,
    authorizeUrl(state, redirectUri, codeChallenge) {
      const url = new URL(config.authorizeUrl);
      url.search = new URLSearchParams({ response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri, state, ...pkceChallenge(codeChallenge) }).toString();
      return url.toString();
    },
    exchangeCode: (code, redirectUri, codeVerifier) =>
      tokenRequest(config.tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier, ...client }, 'json', readTokens, now),
    refresh: (refreshToken) =>
      tokenRequest(config.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, ...client }, 'json', readTokens, now, refreshToken),
    async fetchMembers(accessToken, page, pageSize) {
      const body = (await getJson(`${config.apiBaseUrl}/donors?page=${page}&per_page=${pageSize}`, accessToken)) as {
        donors?: unknown;
        meta?: { total?: unknown };
      };
      const members = asArray(body.donors).flatMap((d) => {
        const first = typeof d.firstDonatedAt === 'string' ? d.firstDonatedAt.slice(0, 10) : undefined;
        const mapped = mapMember(
          donusFields,
          d.email,
          {
            name: d.donorName,
            phone: d.phoneNumber,
            donorId: d.donorId === undefined ? undefined : String(d.donorId),
            donationType: donationTypes[String(d.donationType)] ?? d.donationType,
            totalDonation: d.totalDonationAmount,
            firstDonatedAt: first,
          },
          d.marketingConsent === 'Y',
          d.firstDonatedAt,
        );
        return mapped ? [mapped] : [];
      });
      return { members, skipped: asArray(body.donors).length - members.length, total: Number(body.meta?.total ?? 0) };
    },
  };
}
