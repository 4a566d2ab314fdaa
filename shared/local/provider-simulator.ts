/**
 * Local simulators of the Sixshop and Donus APIs (SPEC I1): OAuth 2.0 authorize (the "user"
 * approves at once and is redirected back with a code), token (authorization code and refresh
 * grants), PKCE (RFC 7636, S256 only: required by default, as issue 14 asks of a provider that
 * supports it) and a paged members API, each in the provider's own shape (see the adapters and
 * docs/imports.md). Members are generated from their index, so any N costs no memory. Knobs
 * inject failures and slow pages; `npm start` runs one and prints its URL, tests drive it
 * in-process, and `POST /_sim/<provider>/config` changes knobs over HTTP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Provider, ProvidersConfig } from '#shared/integrations/providers';

export interface SimulatorKnobs {
  /** Members the provider holds: indexes firstIndex … firstIndex + memberCount - 1. */
  memberCount: number;
  firstIndex: number;
  /** Changes every member's name and grade: a later import sees them as updated. */
  revision: number;
  /** Page number → how many more times it answers 500. */
  failPages: Record<number, number>;
  /** Every members-page request waits this long first. */
  slowPageMs: number;
  /** Lifetime of access tokens the token endpoint issues. */
  tokenTtlSeconds: number;
  /** The next N token requests answer 500. */
  failTokenRequests: number;
  /** The authorize step answers `error=access_denied` (the user declined). */
  denyAuthorize: boolean;
  /**
   * PKCE (RFC 7636) is required: an authorize request without an S256 `code_challenge` is sent
   * back with `error=invalid_request`. Either way a code issued with a challenge is exchanged
   * only with the `code_verifier` that hashes to it.
   */
  requirePkce: boolean;
}

export interface SimulatorStats {
  authorizations: number;
  codeExchanges: number;
  refreshes: number;
  pageRequests: number;
  /** Authorize or token requests refused for PKCE (no challenge, no or a wrong verifier). */
  pkceRefusals: number;
}

export interface ProviderSimulatorControl {
  knobs: SimulatorKnobs;
  stats: SimulatorStats;
  set(patch: Partial<SimulatorKnobs>): void;
  /** Every access token issued so far stops working (to exercise refresh). */
  expireAccessTokens(): void;
  reset(): void;
}

export interface ProviderSimulator {
  readonly url: string;
  readonly config: ProvidersConfig;
  readonly control: Record<Provider, ProviderSimulatorControl>;
  close(): Promise<void>;
}

const defaultKnobs = (memberCount: number): SimulatorKnobs => ({
  memberCount,
  firstIndex: 0,
  revision: 1,
  failPages: {},
  slowPageMs: 0,
  tokenTtlSeconds: 3600,
  failTokenRequests: 0,
  denyAuthorize: false,
  requirePkce: true,
});

const newStats = (): SimulatorStats => ({ authorizations: 0, codeExchanges: 0, refreshes: 0, pageRequests: 0, pkceRefusals: 0 });

/** RFC 7636 4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

const grades = ['BRONZE', 'SILVER', 'GOLD', 'VIP'];
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Member `i` as Sixshop's members API shows it. */
function sixshopMember(i: number, revision: number) {
  return {
    memberNo: 100000 + i,
    email: `member${i}@sixshop.example.com`,
    name: revision > 1 ? `회원${i} (r${revision})` : `회원${i}`,
    mobile: `010-${pad(Math.floor(i / 10000) % 10000, 4)}-${pad(i % 10000, 4)}`,
    emailAgree: i % 3 !== 0,
    smsAgree: i % 2 === 0,
    grade: grades[(i + revision - 1) % grades.length],
    birthday: `19${pad(70 + (i % 30), 2)}-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}`,
    joinedAt: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(),
  };
}

/** Member `i` as Donus's donors API shows it. */
function donusDonor(i: number, revision: number) {
  return {
    donorId: `D${pad(i, 8)}`,
    email: `donor${i}@donus.example.com`,
    donorName: revision > 1 ? `후원자${i} (r${revision})` : `후원자${i}`,
    phoneNumber: `010${pad(Math.floor(i / 10000) % 10000, 4)}${pad(i % 10000, 4)}`,
    marketingConsent: i % 4 === 0 ? 'N' : 'Y',
    donationType: i % 2 === 0 ? 'REGULAR' : 'ONE_TIME',
    totalDonationAmount: 10000 * ((i % 50) + revision),
    firstDonatedAt: new Date(Date.UTC(2021, 0, 1) + i * 3_600_000).toISOString(),
  };
}

interface ProviderState {
  control: ProviderSimulatorControl;
  codes: Map<string, { redirectUri: string; codeChallenge?: string }>;
  accessTokens: Map<string, number>;
  refreshTokens: Set<string>;
}

const CLIENT = { sixshop: { id: 'local-sixshop-client', secret: 'local-sixshop-secret' }, donus: { id: 'local-donus-client', secret: 'local-donus-secret' } };

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** What a simulator keeps in `stateFile`: a provider remembers its tokens and members across our restarts. */
interface SavedState {
  knobs: SimulatorKnobs;
  accessTokens: [string, number][];
  refreshTokens: string[];
}

export async function startProviderSimulator(options: { port?: number; memberCount?: number; stateFile?: string } = {}): Promise<ProviderSimulator> {
  const initial = options.memberCount ?? 100;
  const token = () => randomBytes(18).toString('base64url');
  let save = () => undefined as void;
  const makeState = (): ProviderState => {
    const state: ProviderState = {
      codes: new Map(),
      accessTokens: new Map(),
      refreshTokens: new Set(),
      control: {
        knobs: defaultKnobs(initial),
        stats: newStats(),
        set(patch) {
          Object.assign(state.control.knobs, patch);
          save();
        },
        expireAccessTokens() {
          for (const t of state.accessTokens.keys()) state.accessTokens.set(t, 0);
          save();
        },
        reset() {
          state.control.knobs = defaultKnobs(initial);
          state.control.stats = newStats();
          save();
        },
      },
    };
    return state;
  };
  const states: Record<Provider, ProviderState> = { sixshop: makeState(), donus: makeState() };
  if (options.stateFile) {
    const file = options.stateFile;
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<Provider, SavedState>;
      for (const provider of ['sixshop', 'donus'] as const) {
        const s = states[provider];
        if (!saved[provider]) continue;
        s.control.knobs = { ...s.control.knobs, ...saved[provider].knobs };
        s.accessTokens = new Map(saved[provider].accessTokens);
        s.refreshTokens = new Set(saved[provider].refreshTokens);
      }
    }
    save = () => {
      const out = Object.fromEntries(
        (['sixshop', 'donus'] as const).map((p) => [p, { knobs: states[p].control.knobs, accessTokens: [...states[p].accessTokens], refreshTokens: [...states[p].refreshTokens] }]),
      );
      writeFileSync(`${file}.tmp`, JSON.stringify(out), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    };
  }

  const issue = (s: ProviderState, provider: Provider) => {
    const access = token();
    const refresh = token();
    s.accessTokens.set(access, Date.now() + s.control.knobs.tokenTtlSeconds * 1000);
    s.refreshTokens.add(refresh);
    save();
    const account = provider === 'sixshop' ? { shop_name: '로컬 식스샵' } : { organization: '로컬 도너스' };
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: s.control.knobs.tokenTtlSeconds, ...account };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, first, second, ...rest] = url.pathname.split('/');
    if (first === '_sim' && (second === 'sixshop' || second === 'donus') && req.method === 'POST') {
      const patch = JSON.parse((await readBody(req)) || '{}') as Partial<SimulatorKnobs>;
      states[second].control.set(patch);
      return json(res, 200, states[second].control.knobs);
    }
    if (first !== 'sixshop' && first !== 'donus') return json(res, 404, { error: 'not_found' });
    const provider: Provider = first;
    const s = states[provider];
    const knobs = s.control.knobs;
    const path = [second, ...rest].join('/');

    if (path === 'oauth/authorize' && req.method === 'GET') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (url.searchParams.get('client_id') !== CLIENT[provider].id || !redirectUri) return json(res, 400, { error: 'invalid_request' });
      s.control.stats.authorizations++;
      const back = new URL(redirectUri);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      const codeChallenge = url.searchParams.get('code_challenge') ?? undefined;
      const pkceOk = codeChallenge ? url.searchParams.get('code_challenge_method') === 'S256' && /^[A-Za-z0-9_-]{43}$/.test(codeChallenge) : !knobs.requirePkce;
      if (!pkceOk) {
        s.control.stats.pkceRefusals++;
        back.searchParams.set('error', 'invalid_request');
        back.searchParams.set('error_description', 'PKCE: an S256 code_challenge is required');
      } else if (knobs.denyAuthorize) back.searchParams.set('error', 'access_denied');
      else {
        const code = token();
        s.codes.set(code, { redirectUri, ...(codeChallenge ? { codeChallenge } : {}) });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }

    if (path === 'oauth/token' && req.method === 'POST') {
      const raw = await readBody(req);
      const params: Record<string, string> =
        provider === 'sixshop' ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw || '{}') as Record<string, string>);
      if (knobs.failTokenRequests > 0) {
        knobs.failTokenRequests--;
        return json(res, 500, { error: 'server_error' });
      }
      if (params.client_id !== CLIENT[provider].id || params.client_secret !== CLIENT[provider].secret) return json(res, 401, { error: 'invalid_client' });
      if (params.grant_type === 'authorization_code') {
        const code = s.codes.get(params.code ?? '');
        s.codes.delete(params.code ?? '');
        if (!code || code.redirectUri !== params.redirect_uri) return json(res, 400, { error: 'invalid_grant' });
        // RFC 7636 4.6: the code is spent either way; a stolen code without the verifier buys nothing.
        const verifier = params.code_verifier;
        if (code.codeChallenge && !(typeof verifier === 'string' && VERIFIER.test(verifier) && s256(verifier) === code.codeChallenge)) {
          s.control.stats.pkceRefusals++;
          return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        }
        s.control.stats.codeExchanges++;
        return json(res, 200, issue(s, provider));
      }
      if (params.grant_type === 'refresh_token') {
        // Refresh tokens rotate: the old one is spent.
        if (!s.refreshTokens.delete(params.refresh_token ?? '')) return json(res, 400, { error: 'invalid_grant' });
        s.control.stats.refreshes++;
        return json(res, 200, issue(s, provider));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }

    const membersPath = provider === 'sixshop' ? 'api/v1/members' : 'v1/donors';
    if (path === membersPath && req.method === 'GET') {
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const expires = s.accessTokens.get(bearer);
      if (expires === undefined || expires < Date.now()) return json(res, 401, { error: 'invalid_token' });
      s.control.stats.pageRequests++;
      if (knobs.slowPageMs > 0) await new Promise((r) => setTimeout(r, knobs.slowPageMs));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
      const size = Math.min(5000, Math.max(1, Number(url.searchParams.get(provider === 'sixshop' ? 'limit' : 'per_page') ?? '100')));
      const failures = knobs.failPages[page] ?? 0;
      if (failures > 0) {
        knobs.failPages[page] = failures - 1;
        return json(res, 500, { error: 'server_error' });
      }
      const from = (page - 1) * size;
      const to = Math.min(knobs.memberCount, from + size);
      const items = [];
      for (let k = from; k < to; k++) {
        const i = knobs.firstIndex + k;
        items.push(provider === 'sixshop' ? sixshopMember(i, knobs.revision) : donusDonor(i, knobs.revision));
      }
      return json(
        res,
        200,
        provider === 'sixshop'
          ? { data: { totalCount: knobs.memberCount, page, members: items } }
          : { donors: items, meta: { total: knobs.memberCount, page, per_page: size } },
      );
    }
    return json(res, 404, { error: 'not_found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const config: ProvidersConfig = {
    sixshop: {
      authorizeUrl: `${url}/sixshop/oauth/authorize`,
      tokenUrl: `${url}/sixshop/oauth/token`,
      apiBaseUrl: `${url}/sixshop/api/v1`,
      clientId: CLIENT.sixshop.id,
      clientSecret: CLIENT.sixshop.secret,
      pageSize: 1000,
    },
    donus: {
      authorizeUrl: `${url}/donus/oauth/authorize`,
      tokenUrl: `${url}/donus/oauth/token`,
      apiBaseUrl: `${url}/donus/v1`,
      clientId: CLIENT.donus.id,
      clientSecret: CLIENT.donus.secret,
      pageSize: 1000,
    },
  };
  return {
    url,
    config,
    control: { sixshop: states.sixshop.control, donus: states.donus.control },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
