/**
 * The route table: every HTTP endpoint, the Lambda entry that serves it and what it may touch.
 * The CDK api construct builds API Gateway resources and functions from it; the local server
 * (shared/local/http-server.ts) routes with it. Paths use API Gateway's `{param}` syntax.
 */
import { DOCS_ASSET_SOURCES } from './http/docs-asset-names';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type TableAccess = 'R' | 'RW' | 'none';

export interface RouteDefinition {
  /** Stable name: the Lambda's logical id and the handler folder under functions/. */
  readonly id: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Handler module, relative to the repository root; exports `handler`. */
  readonly entry: string;
  /** `apiKey`: AccessToken header, authorizer, usage-plan throttle. `public`: links in emails. */
  readonly auth: 'apiKey' | 'public';
  /** Table access the function is granted: read-only, read-write or none (least privilege). */
  readonly access: TableAccess;
  /** The function sends email through SES (granted only to these). */
  readonly sendsMail?: boolean;
  /** The function creates and deletes EventBridge Scheduler entries (SPEC A8). */
  readonly schedules?: boolean;
  /** A tighter limit than the workspace's 10/s, for this method alone (A3a: 3/s). */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Repository-relative files copied next to the function's bundle (read at run time beside index.mjs). */
  readonly bundleFiles?: readonly string[];
  /** The function creates, reads or deletes SES email identities (sender addresses, issue 13). */
  readonly senderIdentities?: boolean;
  /**
   * Public routes are throttled per client IP (issue 14: the local server's token bucket, the
   * optional WAF rule in AWS) unless this says false.
   */
  readonly perIpThrottle?: false;
  /** SPEC ids the endpoint serves. */
  readonly spec: readonly string[];
  /** One line for the API documentation. */
  readonly summary: string;
}

const route = (
  id: string,
  method: HttpMethod,
  path: string,
  access: TableAccess,
  spec: string[],
  summary: string,
  auth: 'apiKey' | 'public' = 'apiKey',
): RouteDefinition => ({ id, method, path, entry: `functions/${id}/handler.ts`, auth, access, spec, summary });

export const routes: readonly RouteDefinition[] = [
  // Address-book API v1 (seed 002)
  // Sends the double opt-in email when confirmEmailYN is Y.
  { ...route('subscribers-subscribe', 'POST', '/v1/lists/{listId}/subscribers', 'RW', ['L4'], '구독: add or update subscribers'), sendsMail: true },
  route('subscribers-delete', 'DELETE', '/v1/lists/{listId}/subscribers', 'RW', ['L5'], '완전삭제: delete subscribers for good'),
  route('subscribers-unsubscribe', 'PUT', '/v1/lists/{listId}/subscribers/unsubscribe', 'RW', ['L6'], '수신거부: unsubscribe subscribers'),
  route('groups-assign', 'POST', '/v1/lists/{listId}/groups/{groupId}/subscribers/assign', 'RW', ['L7'], '그룹 할당: add subscribers to a group'),
  route('groups-release', 'POST', '/v1/lists/{listId}/groups/{groupId}/subscribers/release', 'RW', ['L7'], '그룹 해제: remove subscribers from a group'),
  route('subscriptions-confirm', 'GET', '/v1/subscriptions/confirm', 'RW', ['L4'], 'The double opt-in link mailed for confirmEmailYN Y (HTML page)', 'public'),
  route('subscriptions-unsubscribe', 'GET', '/v1/subscriptions/unsubscribe', 'RW', ['M1'], 'The unsubscribe link of every email (HTML page)', 'public'),
  route('subscriptions-unsubscribe-one-click', 'POST', '/v1/subscriptions/unsubscribe', 'RW', ['M1'], 'RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)', 'public'),

  // The subscription form (issue 15): the hosted page and the public endpoint embedded forms post to (per-IP throttled).
  route('forms-page', 'GET', '/subscriptions/{listId}', 'R', ['L4', 'I5'], '구독 폼: the hosted subscription form of a list (HTML page)', 'public'),
  {
    ...route('forms-submit', 'POST', '/api/v1.0/lists/{publicKey}/public/subscribers', 'RW', ['L4', 'I5'], '구독 폼 제출: form fields, groupIds and field values in the query (HTML page or v1 envelope)', 'public'),
    sendsMail: true,
  },

  // Not throttled per IP: SNS posts from AWS's own addresses in bursts, and each message is signature-checked.
  { ...route('ses-notifications', 'POST', '/v1/ses/notifications', 'RW', ['M2'], 'SES bounces and complaints through SNS (signature checked)', 'public'), perIpThrottle: false },

  // Look-ups (L8), v1 paths of the address-book API
  route('lists-list', 'GET', '/v1/lists', 'R', ['L8'], '주소록 조회: lists of the workspace'),
  route('groups-list', 'GET', '/v1/lists/{listId}/groups', 'R', ['L8'], '그룹 조회: groups of a list'),
  route('subscribers-count', 'GET', '/v1/lists/{listId}/subscribers/count', 'R', ['L8'], '구독자 숫자 조회: subscriber counts by status'),
  route('subscribers-list', 'GET', '/v1/lists/{listId}/subscribers', 'R', ['L8'], '구독자 목록 조회: subscribers, paged, by status or group'),

  // List management, v2 paths of the public API (L1, L2, L11)
  route('lists-create', 'POST', '/v2/lists', 'RW', ['L1', 'L11'], 'Create a list'),
  route('lists-get', 'GET', '/v2/lists/{listId}', 'R', ['L1', 'I6'], 'Read a list'),
  route('lists-update', 'PUT', '/v2/lists/{listId}', 'RW', ['L11'], '주소록 정보 수정: update list settings'),
  { ...route('lists-delete', 'DELETE', '/v2/lists/{listId}', 'RW', ['L1', 'A1'], 'Delete a list with its subscribers and automated emails'), schedules: true },
  route('fields-list', 'GET', '/v2/lists/{listId}/fields', 'R', ['L2'], 'Custom fields of a list'),
  route('fields-create', 'POST', '/v2/lists/{listId}/fields', 'RW', ['L2'], 'Add a custom field'),
  route('fields-update', 'PUT', '/v2/lists/{listId}/fields/{tag}', 'RW', ['L2'], 'Relabel or retype a custom field'),
  route('fields-delete', 'DELETE', '/v2/lists/{listId}/fields/{tag}', 'RW', ['L2'], 'Remove a custom field'),
  route('groups-create', 'POST', '/v2/lists/{listId}/groups', 'RW', ['L7'], 'Create a group'),
  route('groups-update', 'PUT', '/v2/lists/{listId}/groups/{groupId}', 'RW', ['L7'], 'Rename a group'),
  route('groups-delete', 'DELETE', '/v2/lists/{listId}/groups/{groupId}', 'RW', ['L7'], 'Delete a group (members stay in the list)'),

  // The public v2 API (reference/stibee-api-v2_openapi.yml, issue 13); the routes above under
  // /v2/lists answer as it defines them too. Static segments come before `{param}` siblings.
  route('v2-auth-check', 'GET', '/v2/auth-check', 'none', ['W3'], '인증 확인: the key is accepted'),
  route('v2-lists-list', 'GET', '/v2/lists', 'R', ['L8'], '주소록 목록 조회: lists, offset/limit/sortOrder'),
  route('lists-copy', 'POST', '/v2/lists/{listId}/copy', 'RW', ['L1'], '주소록 복사: a new list with the settings, fields, groups and senders'),
  { ...route('senders-add', 'POST', '/v2/lists/{listId}/senders', 'RW', ['A1'], '발신자 이메일 주소 추가: starts verification'), sendsMail: true, senderIdentities: true },
  { ...route('senders-list', 'GET', '/v2/lists/{listId}/senders', 'RW', ['A1'], '발신자 이메일 주소 목록 조회'), senderIdentities: true },
  {
    ...route('senders-verify', 'POST', '/v2/lists/{listId}/senders/{email}/verify', 'RW', ['A1'], '발신자 이메일 주소 인증 이메일 발송: the verification mail again'),
    sendsMail: true,
    senderIdentities: true,
  },
  route('senders-delete', 'DELETE', '/v2/lists/{listId}/senders/{email}', 'RW', ['A1'], '발신자 이메일 주소 삭제'),
  route('senders-confirm', 'GET', '/v2/senders/confirm', 'RW', ['A1'], 'The sender verification link we mail (HTML page)', 'public'),
  route('v2-subscribers-count', 'GET', '/v2/lists/{listId}/subscribers/count', 'R', ['L8'], '구독자 수 조회 → {total}'),
  route('v2-subscribers-batch', 'POST', '/v2/lists/{listId}/subscribers/batch', 'RW', ['L4'], '구독자 대량 추가: up to 1,000, with buckets'),
  { ...route('v2-subscribers-double-optin', 'POST', '/v2/lists/{listId}/subscribers/double-optin', 'RW', ['L4'], '구독자 추가 - 구독 확인 이메일 발송 (status ready)'), sendsMail: true },
  route('v2-subscribers-add', 'POST', '/v2/lists/{listId}/subscribers', 'RW', ['L4'], '구독자 추가 (updateEnabled: 201 on update)'),
  route('v2-subscribers-list', 'GET', '/v2/lists/{listId}/subscribers', 'R', ['L8'], '구독자 목록 조회: statuses, offset, limit ≤ 1,000'),
  route('v2-subscribers-delete', 'DELETE', '/v2/lists/{listId}/subscribers', 'RW', ['L5'], '구독자 완전 삭제: up to 100'),
  route('v2-subscribers-update', 'PUT', '/v2/lists/{listId}/subscribers/{subscriber}', 'RW', ['L4'], '구독자 정보 수정: custom-field values'),
  route('v2-subscribers-unsubscribe', 'POST', '/v2/lists/{listId}/subscribers/{subscriber}/unsubscribe', 'RW', ['L6'], '구독자 수신거부'),
  route('v2-groups-list', 'GET', '/v2/lists/{listId}/groups', 'R', ['L8'], '그룹 목록 조회: offset/limit/sortBy/sortOrder'),
  route('v2-groups-assign', 'POST', '/v2/lists/{listId}/groups/{groupId}/assign', 'RW', ['L7'], '구독자 그룹 할당: {subscriber}'),
  route('v2-groups-release', 'POST', '/v2/lists/{listId}/groups/{groupId}/release', 'RW', ['L7'], '구독자 그룹 해제: {subscriber}'),

  // Regular emails, the v2 API's /emails (issue 15); docs/api.md "Regular emails".
  route('emails-list', 'GET', '/v2/emails', 'R', ['A1'], '이메일 목록 조회: tagIds, listId, offset, limit ≤ 100'),
  route('emails-create', 'POST', '/v2/emails', 'RW', ['A1'], '일반 이메일 생성 → {id}'),
  route('emails-get', 'GET', '/v2/emails/{emailId}', 'R', ['A1', 'A7'], '이메일 정보 조회 (with the send\'s figures)'),
  route('emails-update', 'PUT', '/v2/emails/{emailId}', 'RW', ['A1'], '일반 이메일 정보 수정 (작성 중 only)'),
  { ...route('emails-delete', 'DELETE', '/v2/emails/{emailId}', 'RW', ['A1'], '일반 이메일 삭제 (a reservation goes with it)'), schedules: true },
  route('emails-copy', 'POST', '/v2/emails/{emailId}/copy', 'RW', ['A1'], '이메일 복사 → {id} of a new draft'),
  route('emails-tags-assign', 'POST', '/v2/emails/{emailId}/tags/assign', 'RW', ['A1'], '태그 할당: ?tagIds=1,2'),
  route('emails-tags-release', 'POST', '/v2/emails/{emailId}/tags/release', 'RW', ['A1'], '태그 해제: ?tagIds=1,2'),
  route('emails-content-get', 'GET', '/v2/emails/{emailId}/content', 'R', ['A1'], '콘텐츠 조회 (text/html)'),
  route('emails-content-set', 'POST', '/v2/emails/{emailId}/content', 'RW', ['A1'], '콘텐츠 수정: a text/html body with $%tag%$ merge tags'),
  route('emails-logs', 'GET', '/v2/emails/{emailId}/logs', 'R', ['A7'], '이메일 상세 통계 조회: per-recipient sent / failed / opened / clicked'),
  // Sending checks the sender is verified (issue 13) and starts the email-send state machine; a reservation is a scheduler entry (A8).
  { ...route('emails-send', 'POST', '/v2/emails/{emailId}/send', 'RW', ['M1', 'M3'], '일반 이메일 발송: to the list or its groups, fanned out'), senderIdentities: true },
  { ...route('emails-reserve', 'POST', '/v2/emails/{emailId}/reserve', 'RW', ['A8'], '일반 이메일 발송 예약: reserveTime YYYYMMDDhhmmss (KST)'), schedules: true, senderIdentities: true },
  { ...route('emails-cancel-reserve', 'POST', '/v2/emails/{emailId}/cancel-reserve', 'RW', ['A8'], '일반 이메일 발송 예약 취소 (up to the minute)'), schedules: true },

  // List webhooks (L10, R4)
  route('webhooks-list', 'GET', '/v2/lists/{listId}/webhooks', 'R', ['L10'], 'Webhooks of a list'),
  route('webhooks-create', 'POST', '/v2/lists/{listId}/webhooks', 'RW', ['L10', 'R4'], 'Create a webhook (signing secret shown once)'),
  route('webhooks-get', 'GET', '/v2/lists/{listId}/webhooks/{webhookId}', 'R', ['L10'], 'Read a webhook'),
  route('webhooks-update', 'PUT', '/v2/lists/{listId}/webhooks/{webhookId}', 'RW', ['L10', 'R4'], 'Edit a webhook'),
  route('webhooks-enable', 'PUT', '/v2/lists/{listId}/webhooks/{webhookId}/enable', 'RW', ['L10'], 'Enable a webhook'),
  route('webhooks-disable', 'PUT', '/v2/lists/{listId}/webhooks/{webhookId}/disable', 'RW', ['L10'], 'Disable a webhook'),
  route('webhooks-delete', 'DELETE', '/v2/lists/{listId}/webhooks/{webhookId}', 'RW', ['L10'], 'Delete a webhook'),
  route('webhooks-deliveries', 'GET', '/v2/lists/{listId}/webhooks/{webhookId}/deliveries', 'R', ['L10'], 'The last 100 delivery attempts'),
  route('webhooks-test', 'POST', '/v2/lists/{listId}/webhooks/{webhookId}/test', 'RW', ['L10'], 'Send a signed test ping now'),

  // Documentation, generated from this table and the handlers' zod schemas (npm run openapi)
  route('docs-page', 'GET', '/docs', 'none', ['L9'], 'This API, as a page', 'public'),
  route('docs-openapi', 'GET', '/docs/openapi.json', 'none', ['L9'], 'This API, as OpenAPI 3.1', 'public'),
  { ...route('docs-asset', 'GET', '/docs/assets/{file}', 'none', ['L9'], "The interactive documentation's script and style sheet (Swagger UI)", 'public'), bundleFiles: DOCS_ASSET_SOURCES },

  // Automated emails (A1-A8): content, states, the pending-send queue, figures
  route('automations-create', 'POST', '/v2/automations', 'RW', ['A1'], 'Create an automated email (draft) in a list'),
  route('automations-list', 'GET', '/v2/automations', 'R', ['A1'], 'Automated emails of the workspace (or of one list)'),
  route('automations-get', 'GET', '/v2/automations/{automationId}', 'R', ['A1', 'A2'], 'Read an automated email'),
  { ...route('automations-update', 'PUT', '/v2/automations/{automationId}', 'RW', ['A1', 'A2'], 'Edit an automated email (draft or paused only)'), schedules: true },
  { ...route('automations-delete', 'DELETE', '/v2/automations/{automationId}', 'RW', ['A2'], 'Delete an automated email (not while running)'), schedules: true },
  {
    ...route('automations-transition', 'POST', '/v2/automations/{automationId}/{action}', 'RW', ['A2'], 'start, schedule, cancel-schedule, pause, resume or end'),
    schedules: true,
    // Starting checks the sender address is verified (issue 13).
    senderIdentities: true,
  },
  route('automations-queue', 'GET', '/v2/automations/{automationId}/queue', 'R', ['A5'], '발송대기: pending sends, 20 a page, by due time, searchable'),
  {
    ...route('automations-queue-action', 'POST', '/v2/automations/{automationId}/queue/{operation}', 'RW', ['A5'], 'Send now or remove selected pending sends'),
    sendsMail: true,
    schedules: true,
  },
  route('automations-dashboard', 'GET', '/v2/automations/{automationId}/dashboard', 'R', ['A7'], 'Queued, sent, failed (with reasons), opens, clicks, rates'),
  {
    ...route('automations-api-trigger', 'POST', '/api/v1.0/auto/{key}', 'RW', ['A3a'], '자동 이메일 API: trigger an automated email for one subscriber'),
    throttle: { rateLimit: 3, burstLimit: 3 },
  },
  route('tracking-open', 'GET', '/v1/t/open/{token}', 'RW', ['A7'], 'Open-tracking pixel of automated emails', 'public'),
  route('tracking-click', 'GET', '/v1/t/click/{token}', 'RW', ['A7'], 'Click-tracking redirect of automated emails', 'public'),

  // Workspace API keys (W2)
  route('api-keys-list', 'GET', '/v1/api-keys', 'R', ['W2'], 'API keys of the workspace (no secrets)'),
  route('api-keys-create', 'POST', '/v1/api-keys', 'RW', ['W2'], 'Create an API key (secret shown once)'),
  route('api-keys-deactivate', 'PUT', '/v1/api-keys/{keyId}/deactivate', 'RW', ['W2'], 'Deactivate an API key'),
  route('api-keys-activate', 'PUT', '/v1/api-keys/{keyId}/activate', 'RW', ['W2'], 'Reactivate an API key'),
  route('api-keys-delete', 'DELETE', '/v1/api-keys/{keyId}', 'RW', ['W2'], 'Delete an API key'),

  // Integrations and imports (I1-I7)
  route('integrations-list', 'GET', '/v2/integrations', 'R', ['I1'], 'Providers the workspace is connected to'),
  route('integrations-connect', 'POST', '/v2/integrations/{provider}/connect', 'RW', ['I1'], 'Start connecting Sixshop or Donus (OAuth authorize URL and state)'),
  // The browser's side of connecting (issue 14): start binds the flow to the browser, the callback asks, confirm connects.
  route('integrations-start', 'GET', '/v2/integrations/{provider}/start', 'RW', ['I1'], 'Where authorizeUrl points: binds the flow to this browser, redirects to the provider', 'public'),
  route('integrations-callback', 'GET', '/v2/integrations/{provider}/callback', 'RW', ['I1'], "The provider's OAuth redirect: the consent page naming the workspace (HTML)", 'public'),
  route('integrations-confirm', 'POST', '/v2/integrations/{provider}/confirm', 'RW', ['I1'], "The consent page's form: connects (or cancels) in the browser that started", 'public'),
  route('integrations-disconnect', 'DELETE', '/v2/integrations/{provider}', 'RW', ['I1'], 'Disconnect a provider (tokens forgotten)'),
  route('imports-start', 'POST', '/v2/lists/{listId}/imports', 'RW', ['I3', 'I4'], '불러오기: import the provider members into a linked list'),
  route('imports-get', 'GET', '/v2/lists/{listId}/imports/{jobId}', 'R', ['I3'], 'Status and progress of an import'),
];

/** Issue 14: the public routes held to a per-IP rate (links in emails, the OAuth pages, the docs). */
export const throttledPerIp = (r: RouteDefinition): boolean => r.auth === 'public' && r.perIpThrottle !== false;

type Match = { route: RouteDefinition; params: Record<string, string> };

const compiled = () =>
  routes.map((r) => {
    const names: string[] = [];
    const pattern = r.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route: r, regex: new RegExp(`^${pattern}/?$`), names };
  });
let table: ReturnType<typeof compiled> | undefined;

/** Finds the route of a request; a known path with another method is 'method-not-allowed', a malformed one 'bad-path'. */
export function matchRoute(method: string, path: string): Match | 'method-not-allowed' | 'bad-path' | null {
  table ??= compiled();
  let pathKnown = false;
  for (const { route: r, regex, names } of table) {
    const m = regex.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (r.method !== method.toUpperCase()) continue;
    const params: Record<string, string> = {};
    try {
      names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    } catch {
      // `%E0%A4%A` is no path a client meant: refused like API Gateway refuses it, never a 500.
      return 'bad-path';
    }
    return { route: r, params };
  }
  return pathKnown ? 'method-not-allowed' : null;
}
