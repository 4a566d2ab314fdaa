/**
 * Sixshop adapter. The real API's shapes are not public here: this follows the local simulator
 * (shared/local/provider-simulator.ts); docs/imports.md has the mapping table to check against
 * the real API when dropping one in.
 */
import type { CustomField } from '#shared/lists/fields';
import type { Clock } from '#shared/ports/clock';
import type { ProviderAdapter, ProviderConfig } from '../providers';
import { asArray, getJson, mapMember, pkceChallenge, tokenRequest } from './http';

export const sixshopFields: readonly CustomField[] = [
  { tag: 'email', label: '이메일 주소', type: 'email' },
  { tag: 'name', label: '이름', type: 'text' },
  { tag: 'phone', label: '휴대전화', type: 'phone' },
  { tag: 'memberNo', label: '회원번호', type: 'text' },
  { tag: 'grade', label: '회원등급', type: 'text' },
  { tag: 'birthday', label: '생일', type: 'date' },
];

export function createSixshopAdapter(config: ProviderConfig, clock: Clock): ProviderAdapter {
  const now = () => clock.now();
  const readTokens = (b: Record<string, unknown>) => ({ access: b.access_token, refresh: b.refresh_token, expiresIn: b.expires_in, account: b.shop_name });
  const client = { client_id: config.clientId, client_secret: config.clientSecret };
  return {
    provider: 'sixshop',
    fields: sixshopFields,
    authorizeUrl(state, redirectUri, codeChallenge) {
      const url = new URL(config.authorizeUrl);
      url.search = new URLSearchParams({ response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri, state, scope: 'member.read', ...pkceChallenge(codeChallenge) }).toString();
      return url.toString();
    },
    exchangeCode: (code, redirectUri, codeVerifier) =>
      tokenRequest(config.tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier, ...client }, 'form', readTokens, now),
    refresh: (refreshToken) =>
      tokenRequest(config.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, ...client }, 'form', readTokens, now, refreshToken),
    async fetchMembers(accessToken, page, pageSize) {
      const body = (await getJson(`${config.apiBaseUrl}/members?page=${page}&limit=${pageSize}`, accessToken)) as {
        data?: { totalCount?: unknown; members?: unknown };
      };
      const members = asArray(body.data?.members).flatMap((m) => {
        const mapped = mapMember(
          sixshopFields,
          m.email,
          { name: m.name, phone: m.mobile, memberNo: m.memberNo === undefined ? undefined : String(m.memberNo), grade: m.grade, birthday: m.birthday },
          m.emailAgree === true,
          m.joinedAt,
        );
        return mapped ? [mapped] : [];
      });
      return { members, skipped: asArray(body.data?.members).length - members.length, total: Number(body.data?.totalCount ?? 0) };
    },
  };
}
