/**
 * Regular emails (일반 이메일, issue 15; reference/stibee-api-v2_openapi.yml `/emails`): an email as
 * stored, its states and how the v2 API shows it (GetEmailResponse).
 */
import { kstIsoTime } from '#shared/http/kst-time';

/** The yml's status codes: 0 작성 중, 1 예약 중, 21 / 22 발송 중, 3 발송 완료. */
export const EmailStatus = { draft: 0, reserved: 1, preparing: 21, sending: 22, sent: 3 } as const;
export type EmailStatusCode = (typeof EmailStatus)[keyof typeof EmailStatus];

/** The yml's `type` of a regular email (자동 이메일 are another type, not served by /emails). */
export const REGULAR_EMAIL_TYPE = 1;
/** Tags an email may carry at most (docs/api.md). */
export const MAX_EMAIL_TAGS = 50;

export interface EmailRecord {
  emailId: number;
  workspaceId: string;
  listId: number;
  status: EmailStatusCode;
  type: number;
  subType: number;
  subject: string;
  subjectA: string;
  subjectB: string;
  senderEmail: string;
  senderName: string;
  senderNameA: string;
  senderNameB: string;
  abRatio: number;
  segmentIds: number[];
  /** null: the whole list; else members of any of these groups of the list. */
  groupIds: number[] | null;
  tagIds: number[];
  hasContent: boolean;
  /** Whether unsubscribed members were sent to (the list's canSendToUnsubscribed when it was sent). */
  includeUnsubscribed: boolean;
  /** When a reserved email goes out (UTC ISO). */
  reserveAt?: string;
  /** When its send started. */
  sentAt?: string;
  createdAt: string;
  updatedAt: string;
}

export const toEmailRecord = (item: Record<string, unknown>): EmailRecord => ({
  emailId: Number(item.emailId),
  workspaceId: String(item.workspaceId),
  listId: Number(item.listId),
  status: Number(item.status) as EmailStatusCode,
  type: Number(item.emailType ?? REGULAR_EMAIL_TYPE),
  subType: Number(item.subType ?? 0),
  subject: String(item.subject ?? ''),
  subjectA: String(item.subjectA ?? ''),
  subjectB: String(item.subjectB ?? ''),
  senderEmail: String(item.senderEmail ?? ''),
  senderName: String(item.senderName ?? ''),
  senderNameA: String(item.senderNameA ?? ''),
  senderNameB: String(item.senderNameB ?? ''),
  abRatio: Number(item.abRatio ?? 0),
  segmentIds: ((item.segmentIds ?? []) as unknown[]).map(Number),
  groupIds: item.groupIds === null || item.groupIds === undefined ? null : (item.groupIds as unknown[]).map(Number),
  tagIds: ((item.tagIds ?? []) as unknown[]).map(Number),
  hasContent: item.hasContent === true,
  includeUnsubscribed: item.includeUnsubscribed === true,
  ...(item.reserveAt ? { reserveAt: String(item.reserveAt) } : {}),
  ...(item.sentAt ? { sentAt: String(item.sentAt) } : {}),
  createdAt: String(item.createdAt),
  updatedAt: String(item.updatedAt),
});

/** The record's attributes as stored (`type` is the item kind of the single table, so the yml's type is `emailType`). */
export function emailAttributes(e: EmailRecord): Record<string, unknown> {
  const { type, ...rest } = e;
  return { ...rest, emailType: type };
}

/** The yml's "never" time (its sentTimeA example). */
const NEVER = '0001-01-01T00:00:00Z';

export interface SendFigures {
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  opens: number;
  uniqueOpens: number;
  clicks: number;
  uniqueClicks: number;
  /** Click entries in the logs (the first MAX_CLICKED_LINKS clicks of each recipient). */
  clickLogs: number;
}

/** The yml's GetEmailResponse, then ours beyond it (tagIds, reserveTime, and the send's figures when asked). */
export const emailV2View = (e: EmailRecord, figures?: SendFigures) => ({
  id: e.emailId,
  status: e.status,
  listId: e.listId,
  type: e.type,
  subType: e.subType,
  subject: e.subject,
  subjectA: e.subjectA,
  subjectB: e.subjectB,
  // No hosted web view of emails exists here (docs/api.md).
  permanentLink: '',
  permanentLinkSecondary: '',
  segmentIds: e.segmentIds,
  groupIds: e.groupIds,
  sentTime: e.sentAt ? kstIsoTime(e.sentAt) : NEVER,
  sentTimeA: NEVER,
  sentTimeB: NEVER,
  senderEmail: e.senderEmail,
  senderName: e.senderName,
  senderNameA: e.senderNameA,
  senderNameB: e.senderNameB,
  owner: e.workspaceId,
  abRatio: e.abRatio,
  isStarred: false,
  includeUnsubscribed: e.includeUnsubscribed,
  createdTime: kstIsoTime(e.createdAt),
  modifiedTime: kstIsoTime(e.updatedAt),
  tagIds: e.tagIds,
  reserveTime: e.reserveAt ? kstIsoTime(e.reserveAt) : null,
  ...(figures ? { sendProgress: figures } : {}),
});
