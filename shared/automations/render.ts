/**
 * What one automated email looks like for one subscriber: `$%tag%$` merge tags filled (API values
 * over the list's, SPEC A3a), links through the click redirect, the open pixel, the preheader,
 * and the unsubscribe link with RFC 8058 headers (SPEC M1).
 */
import { createHash } from 'node:crypto';
import type { Deps } from '#shared/runtime/deps';
import { mailbox, type OutgoingMail } from '#shared/ports/mailer';
import type { SubscriberRecord } from '#shared/subscribers/record';
import type { ListRecord } from '#shared/lists/model';
import { listUnsubscribeHeaders, unsubscribeUrl } from '#shared/subscribers/unsubscribe-links';
import type { AutomationRecord } from './model';

export const OPEN_PATH = '/v1/t/open';
export const CLICK_PATH = '/v1/t/click';
/** Tracking links keep working for a year, like unsubscribe links. */
const TRACKING_SECONDS = 365 * 86_400;

export interface TrackingPayload {
  /** sendId */
  s: string;
  /** automationId, listId, workspaceId, email */
  a: number;
  l: number;
  w: string;
  e: string;
  /** The link's target (clicks only). */
  u?: string;
  /** A regular email's id (issue 15; `a` is 0 then). */
  r?: number;
}

export const urlHash = (url: string) => createHash('sha256').update(url).digest('base64url').slice(0, 22);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Subscriber values are escaped; API values are not: the original lets a request put `<br>` and
 * other markup into the email (reference/email_automation_api.md).
 */
export function mergeValues(subscriber: SubscriberRecord, vars: Record<string, unknown> | undefined, escape: boolean) {
  // Null-prototype maps (issue 14): a tag named `constructor` or `__proto__` is a plain key here.
  const own: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, { email: subscriber.email, $ad_agreed: subscriber.adAgreed === 'Y' ? 'Y' : '' });
  for (const [k, v] of Object.entries(subscriber.fields)) own[k] = String(v);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(own)) out[k] = escape ? escapeHtml(v) : v;
  for (const [k, v] of Object.entries(vars ?? {})) if (k !== 'subscriber' && v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

export const merge = (template: string, values: Record<string, string>) =>
  template.replace(/\$%([^%$\s]{1,100})%\$/g, (_, tag: string) => (Object.hasOwn(values, tag) ? values[tag]! : ''));

/**
 * SPEC M1: whether the email's own HTML shows the unsubscribe link: `$%unsubscribe%$` as the
 * target of a link outside comments. Anywhere else (a comment, plain text) it would not be a
 * link a reader can follow, so the footer link is added.
 */
export const unsubscribeLinkRendered = (html: string): boolean =>
  /href=(["'])\s*\$%unsubscribe%\$\s*\1/i.test(html.replace(/<!--[\s\S]*?(-->|$)/g, ''));

export interface RenderInput {
  automation: AutomationRecord;
  list: ListRecord;
  subscriber: SubscriberRecord;
  sendId: string;
  vars?: Record<string, unknown>;
}

export function renderMail(deps: Pick<Deps, 'signer' | 'publicBaseUrl' | 'clock'>, input: RenderInput): OutgoingMail {
  const a = input.automation;
  return renderContent(deps, {
    content: a,
    list: input.list,
    subscriber: input.subscriber,
    sendId: input.sendId,
    vars: input.vars,
    tracking: { a: a.automationId },
    tags: { automationId: String(a.automationId) },
  });
}

/** What is rendered: an automated email's content, or a regular email's (issue 15). */
export interface MailContent {
  html: string;
  subject: string;
  preheader?: string;
  senderName?: string;
  senderEmail: string;
}

export interface ContentRenderInput {
  content: MailContent;
  list: ListRecord;
  subscriber: SubscriberRecord;
  sendId: string;
  vars?: Record<string, unknown>;
  /** Which email the opens and clicks count for: `a` an automated email's id (0 for a regular one), `r` a regular email's. */
  tracking: Pick<TrackingPayload, 'a' | 'r'>;
  /** SES message tags beside workspaceId and listId. */
  tags: Record<string, string>;
}

/** One email for one subscriber: merge tags, tracked links, the pixel, the preheader, the unsubscribe link and RFC 8058 headers. */
export function renderContent(deps: Pick<Deps, 'signer' | 'publicBaseUrl' | 'clock'>, input: ContentRenderInput): OutgoingMail {
  const { content: a, list, subscriber, sendId } = input;
  const expires = Math.floor(deps.clock.now().getTime() / 1000) + TRACKING_SECONDS;
  const base: TrackingPayload = { s: sendId, ...input.tracking, l: list.listId, w: list.workspaceId, e: subscriber.email };
  const token = (purpose: 'open' | 'click', extra: Partial<TrackingPayload> = {}) => encodeURIComponent(deps.signer.sign(purpose, JSON.stringify({ ...base, ...extra }), expires));
  const unsubscribe = unsubscribeUrl(deps, list.workspaceId, list.listId, subscriber.email);

  const htmlValues = { ...mergeValues(subscriber, input.vars, true), unsubscribe };
  const textValues = mergeValues(subscriber, input.vars, false);
  let html = merge(a.html, htmlValues);
  // Every http(s) link goes through the click redirect, except the unsubscribe link itself.
  html = html.replace(/href=(["'])(https?:\/\/[^"']+)\1/gi, (whole, q: string, url: string) =>
    url.startsWith(unsubscribe) ? whole : `href=${q}${deps.publicBaseUrl}${CLICK_PATH}/${token('click', { u: url.replace(/&amp;/g, '&') })}${q}`,
  );
  const preheader = a.preheader
    ? `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">${escapeHtml(merge(a.preheader, textValues))}</div>`
    : '';
  const company = [list.companyName, list.companyAddress, list.companyContact].filter(Boolean).map(escapeHtml).join(' · ');
  const footer = unsubscribeLinkRendered(a.html)
    ? ''
    : `<p style="font-size:12px;color:#888">${company ? `${company}<br>` : ''}<a href="${unsubscribe}">수신거부 Unsubscribe</a></p>`;
  const pixel = `<img src="${deps.publicBaseUrl}${OPEN_PATH}/${token('open')}" width="1" height="1" alt="" style="display:none">`;
  html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footer}${pixel}</body>`) : `${html}${footer}${pixel}`;
  if (preheader) html = /<body[^>]*>/i.test(html) ? html.replace(/<body[^>]*>/i, (b) => `${b}${preheader}`) : `${preheader}${html}`;

  const senderName = a.senderName || list.senderName;
  return {
    // Structured (issue 14): the name is the tenant's and stays a display name whatever it holds.
    from: mailbox(a.senderEmail, senderName),
    to: subscriber.email,
    subject: merge(a.subject, textValues).replace(/[\r\n]+/g, ' '),
    html,
    headers: { ...listUnsubscribeHeaders(deps, list.workspaceId, list.listId, subscriber.email), 'X-Send-Id': sendId },
    tags: { workspaceId: list.workspaceId, listId: String(list.listId), ...input.tags },
  };
}
