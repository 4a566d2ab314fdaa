/**
 * Key templates of every entity in the single table. docs/data-model.md is the prose twin of
 * this module: change both together.
 */
import { createHash } from 'node:crypto';
import type { SubscriberStatus } from '#shared/subscribers/status';

/**
 * Subscribers of one list are spread over this many partitions, chosen by a hash of the email,
 * so that a 2,000-subscriber request or a 100,000-member import does not pile every write onto
 * one partition key. Every "all subscribers of a list" read fans out over the shards.
 */
export const SUBSCRIBER_SHARDS = 8;

/** Outbox and delivery-queue partitions: enough to spread writes, few enough to poll. */
export const EVENT_PARTITIONS = 4;

/** Due-index and lease-index partitions: the dispatcher queries each when it runs. */
export const DUE_SHARDS = 4;
/**
 * Subscribers per index block (v1 look-ups, docs/data-model.md): each subscriber holds a position
 * in its (status, shard) sequence, and every block of INDEX_BLOCK positions of one status-change
 * day has a counter item, so an offset is found by summing counters, not by reading rows.
 */
export const INDEX_BLOCK = 100;

/**
 * Issue 16: partitions of an automated email's queue-search tokens, chosen by the token's first
 * character (a prefix search reads one of them), so a burst of queued sends is not one partition key.
 */
export const QUEUE_TOKEN_SHARDS = 4;
export const queueTokenShard = (token: string): number => (token.codePointAt(0) ?? 0) % QUEUE_TOKEN_SHARDS;

/** Counter items of an automated email's figures, summed on read (no hot item under a burst). */
export const STAT_SHARDS = 8;

export const pad = (n: number, width = 12): string => String(n).padStart(width, '0');

export function shardOf(email: string): number {
  const digest = createHash('sha1').update(email).digest();
  return digest.readUInt32BE(0) % SUBSCRIBER_SHARDS;
}

export const keys = {
  sequence: (name: string) => ({ PK: `SEQ#${name}`, SK: 'SEQ' }),

  workspace: (workspaceId: string) => ({ PK: `WS#${workspaceId}`, SK: '#META' }),

  /** Key record listed under its workspace; GSI1 keeps keys in creation order. */
  apiKey: (workspaceId: string, keyId: string) => ({ PK: `WS#${workspaceId}`, SK: `KEY#${keyId}` }),
  apiKeyGsi: (workspaceId: string, createdAt: string, keyId: string) => ({
    GSI1PK: `WS#${workspaceId}#KEYS`,
    GSI1SK: `${createdAt}#${keyId}`,
  }),
  apiKeysOfWorkspace: (workspaceId: string) => `WS#${workspaceId}#KEYS`,
  /** Lookup by secret hash: what the authorizer reads, strongly consistent. */
  apiKeyByHash: (secretHash: string) => ({ PK: `KEYHASH#${secretHash}`, SK: '#META' }),

  /** List metadata; its partition also holds the list's groups. */
  list: (listId: number) => ({ PK: `LIST#${pad(listId)}`, SK: '#META' }),
  listPartition: (listId: number) => `LIST#${pad(listId)}`,
  listGsi: (workspaceId: string, listId: number) => ({
    GSI1PK: `WS#${workspaceId}#LISTS`,
    GSI1SK: `LIST#${pad(listId)}`,
  }),
  listsOfWorkspace: (workspaceId: string) => `WS#${workspaceId}#LISTS`,
  group: (listId: number, groupId: number) => ({ PK: `LIST#${pad(listId)}`, SK: `GROUP#${pad(groupId)}` }),
  groupPrefix: 'GROUP#',

  /**
   * A list's subscribers live in generation `gen` of the list (imports write a new generation
   * and switch to it atomically), spread over SUBSCRIBER_SHARDS partitions.
   */
  subscriberPartition: (listId: number, gen: number, shard: number) => `SUB#${pad(listId)}#${gen}#${shard}`,
  /** `shard` may be passed when the caller already has it (a SHA-1 per call adds up in bulk writes). */
  subscriber: (listId: number, gen: number, email: string, shard = shardOf(email)) => ({
    PK: `SUB#${pad(listId)}#${gen}#${shard}`,
    SK: `S#${email}`,
  }),
  subscriberPrefix: 'S#',
  /**
   * Status index: one GSI1 partition per list, generation, shard and status, sorted by the day
   * (KST, YYYYMMDD) the subscriber entered the status, then its position in the sequence.
   */
  subscriberGsi: (listId: number, gen: number, email: string, status: SubscriberStatus, day: string, pos: number, shard = shardOf(email)) => ({
    GSI1PK: `SUBST#${pad(listId)}#${gen}#${shard}#${status}`,
    GSI1SK: `${day}#${pad(pos)}#${email}`,
  }),
  /** The status-index sort key where a block of positions of one day starts. */
  subscriberGsiBlockStart: (day: string, block: number) => `${day}#${pad(block * INDEX_BLOCK)}`,
  /**
   * How many subscribers of a status entered it on `day` with a position in `block`: moved in
   * the same transaction as the subscribers, in the shard's partition (deleted with it).
   */
  indexBlock: (listId: number, gen: number, shard: number, status: SubscriberStatus, day: string, block: number) => ({
    PK: `SUB#${pad(listId)}#${gen}#${shard}`,
    SK: `#IX#${status}#${day}#${pad(block, 10)}`,
  }),
  indexBlockPrefix: (status: SubscriberStatus) => `#IX#${status}#`,
  subscriberStatusPartition: (listId: number, gen: number, shard: number, status: SubscriberStatus) =>
    `SUBST#${pad(listId)}#${gen}#${shard}#${status}`,
  /** Group membership, stored beside the subscriber in the same shard partition. */
  membership: (listId: number, gen: number, groupId: number, email: string, shard = shardOf(email)) => ({
    PK: `SUB#${pad(listId)}#${gen}#${shard}`,
    SK: `G#${pad(groupId)}#${email}`,
  }),
  membershipPrefix: (groupId: number) => `G#${pad(groupId)}#`,
  /**
   * Per-shard counters of subscribers by status; summed for the counts look-up. The same item
   * holds the next status-index position of each status (`pos_<status>`).
   */
  counter: (listId: number, gen: number, shard: number) => ({
    PK: `SUB#${pad(listId)}#${gen}#${shard}`,
    SK: '#COUNT',
  }),
  /** Uniqueness guard of a phone number inside a list generation. */
  phone: (listId: number, gen: number, phoneDigits: string) => ({
    PK: `PHONE#${pad(listId)}#${gen}#${phoneDigits}`,
    SK: '#UNIQUE',
  }),

  /** A list webhook (SPEC L10), in the list's partition: loaded with the list. */
  webhook: (listId: number, webhookId: string) => ({ PK: `LIST#${pad(listId)}`, SK: `WEBHOOK#${webhookId}` }),
  webhookPrefix: 'WEBHOOK#',
  /**
   * Transactional outbox: one item per subscriber transaction that changed something, written in
   * that transaction, so no committed change is without its event. Spread over EVENT_PARTITIONS.
   */
  event: (partition: number, batchKey: string, eventId: string) => ({ PK: `EVT#${partition}`, SK: `${batchKey}#${eventId}` }),
  eventPartition: (partition: number) => `EVT#${partition}`,
  /** A webhook delivery waiting for its (next) attempt, sorted by when it is due. */
  delivery: (partition: number, dueAt: string, deliveryId: string) => ({ PK: `WHQ#${partition}`, SK: `${dueAt}#${deliveryId}` }),
  deliveryPartition: (partition: number) => `WHQ#${partition}`,
  /** The delivery log of one webhook, newest last (the last 100 attempts are kept). */
  deliveryLog: (webhookId: string, at: string, attemptId: string) => ({ PK: `WHLOG#${webhookId}`, SK: `${at}#${attemptId}` }),
  deliveryLogPartition: (webhookId: string) => `WHLOG#${webhookId}`,

  /**
   * Work a shared loop gave up on (issue 12): a dead letter, kept 30 days (TTL) where the API shows
   * it. `scope` is `WH#<webhookId>` (the delivery log), `AUTO#<id>` (the dashboard) or `LIST#<id>`.
   */
  deadLetter: (scope: string, at: string, id: string) => ({ PK: `DEAD#${scope}`, SK: `${at}#${id}` }),
  deadLetterPartition: (scope: string) => `DEAD#${scope}`,
  /** Issue 17: every dead letter of a day (the day it was parked), for the operator CLI; GSI1, newest last. */
  deadLetterDayGsi: (at: string, id: string) => ({ GSI1PK: `DEADDAY#${at.slice(0, 10)}`, GSI1SK: `${at}#${id}` }),
  deadLetterDayPartition: (day: string) => `DEADDAY#${day}`,

  /** A double opt-in waiting for its link to be followed. */
  confirmation: (token: string) => ({ PK: `CONFIRM#${token}`, SK: '#META' }),
  /** Issue 14: the hour in which a list last mailed a confirmation to an address (the address hashed: bounded, not in keys). */
  confirmationSlot: (listId: number, emailHash: string) => ({ PK: `CONFIRMSLOT#${pad(listId)}#${emailHash}`, SK: '#META' }),

  // Automated emails (SPEC A1-A8). docs/automations.md explains the flow.
  /** An automated email, in its list's partition: loading a list loads its automations too. */
  automation: (listId: number, automationId: number) => ({ PK: `LIST#${pad(listId)}`, SK: `AUTO#${pad(automationId)}` }),
  automationPrefix: 'AUTO#',
  /** Every automated email of a workspace (listing, and which emails watch another one). */
  automationGsi: (workspaceId: string, automationId: number) => ({ GSI1PK: `WS#${workspaceId}#AUTOS`, GSI1SK: `AUTO#${pad(automationId)}` }),
  automationsOfWorkspace: (workspaceId: string) => `WS#${workspaceId}#AUTOS`,
  /** Id → list, for paths that name only the automation. */
  automationPointer: (automationId: number) => ({ PK: `AUTO#${pad(automationId)}`, SK: '#META' }),
  /** The secret path segment of the A3a endpoint → its automation. */
  automationApiKey: (key: string) => ({ PK: `AUTOKEY#${key}`, SK: '#META' }),
  /** A pending send (A5): one partition per automation, sorted by due time, so the queue pages in order. */
  pendingSend: (automationId: number, dueAt: string, sendId: string) => ({ PK: `AUTOQ#${pad(automationId)}`, SK: `${dueAt}#${sendId}` }),
  pendingPartition: (automationId: number) => `AUTOQ#${pad(automationId)}`,
  /**
   * Issue 16: one search token of a pending send (its address, its domain, a field value or a
   * word of one), sorted by token: a prefix search is one Query. `SK` ends with the send's queue key.
   */
  queueToken: (automationId: number, token: string, pendingSk: string) => ({
    PK: `AUTOQT#${pad(automationId)}#${queueTokenShard(token)}`,
    SK: `${token}\u0000${pendingSk}`,
  }),
  queueTokenPartition: (automationId: number, shard: number) => `AUTOQT#${pad(automationId)}#${shard}`,
  /** A not-opened / not-clicked check due at the end of its wait; not a send, so not in the queue. */
  pendingCheck: (automationId: number, dueAt: string, checkId: string) => ({ PK: `AUTOCHK#${pad(automationId)}`, SK: `${dueAt}#${checkId}` }),
  pendingCheckPartition: (automationId: number) => `AUTOCHK#${pad(automationId)}`,
  /**
   * Due index over pending sends and checks of every automation, sorted by due time: a dispatch
   * reads everything due up to its minute, however late it runs (issue 12), from DUE_SHARDS partitions.
   */
  dueGsi: (dueAt: string, id: string) => ({ GSI1PK: `DUE#${parseInt(id.slice(0, 6), 16) % DUE_SHARDS}`, GSI1SK: `${dueAt}#${id}` }),
  duePartition: (shard: number) => `DUE#${shard}`,
  /**
   * A send being sent (claimed, or waiting for a retry), sorted by when its lease ends: the
   * sweeper finds every send whose dispatcher died or whose retry is due (issue 12).
   */
  sendLeaseGsi: (until: string, sendId: string) => ({ GSI1PK: `SENDING#${parseInt(sendId.slice(0, 6), 16) % DUE_SHARDS}`, GSI1SK: `${until}#${sendId}` }),
  sendLeasePartition: (shard: number) => `SENDING#${shard}`,
  /** Per automation and subscriber: trigger history (duplicates, quiet period, all-of) and pending sends. */
  automationSubscriber: (automationId: number, email: string) => ({ PK: `AUTOSUB#${pad(automationId)}#${shardOf(email)}`, SK: email }),
  /** One send, claimed before the mailer is called: its existence is what makes a send happen at most once. */
  send: (sendId: string) => ({ PK: `SEND#${sendId}`, SK: '#META' }),
  /** First open and first click (per link) of a send, for unique figures and not-opened checks. */
  sendOpen: (sendId: string) => ({ PK: `SEND#${sendId}`, SK: 'OPEN' }),
  /** An open or click counted in this hour (yyyy-mm-ddThh, UTC); TTL removes it. */
  sendCountedHour: (sendId: string, what: string, hour: string) => ({ PK: `SEND#${sendId}`, SK: `COUNTED#${what}#${hour}` }),
  sendClick: (sendId: string, urlHash: string) => ({ PK: `SEND#${sendId}`, SK: `CLICK#${urlHash}` }),
  /** Failed sends of an automation with their reasons, newest last. */
  failedSendGsi: (automationId: number, at: string, sendId: string) => ({ GSI1PK: `AUTOFAIL#${pad(automationId)}`, GSI1SK: `${at}#${sendId}` }),
  failedSendsOf: (automationId: number) => `AUTOFAIL#${pad(automationId)}`,
  automationStats: (automationId: number, shard: number) => ({ PK: `AUTOSTAT#${pad(automationId)}#${shard}`, SK: '#COUNT' }),
  /** SPEC M3: mails sent in one second by every sender together. */
  mailRate: (second: number) => ({ PK: `MAILRATE#${second}`, SK: '#COUNT' }),
  // Integrations and imports (I1-I7)
  /** A workspace's connection to a provider (encrypted tokens), beside its keys. */
  integration: (workspaceId: string, provider: string) => ({ PK: `WS#${workspaceId}`, SK: `INTEG#${provider}` }),
  integrationPrefix: 'INTEG#',
  /** An OAuth `state` waiting for its callback: used once, expires after 10 minutes. */
  oauthState: (state: string) => ({ PK: `OAUTH#${state}`, SK: '#META' }),
  /** An import job of a list, in the list's own import partition (not the list's: loaded with every request). */
  importJob: (listId: number, jobId: string) => ({ PK: `IMPORT#${pad(listId)}`, SK: `JOB#${jobId}` }),
  importJobPrefix: 'JOB#',
  importPartition: (listId: number) => `IMPORT#${pad(listId)}`,
  // Sender addresses (v2 API, issue 13)
  /** A sender address added to a list, in the list's partition. */
  listSender: (listId: number, email: string) => ({ PK: `LIST#${pad(listId)}`, SK: `SENDER#${email}` }),
  listSenderPrefix: 'SENDER#',
  /** A workspace's claim on an address: how it is being verified and when it was (shared by its lists). */
  workspaceSender: (workspaceId: string, email: string) => ({ PK: `WS#${workspaceId}`, SK: `SENDER#${email}` }),
  // Regular emails (v2 /emails, issue 15). docs/data-model.md "Regular emails".
  /** A regular email's settings (small: its HTML is a separate item), listed by GSI1 under its workspace. */
  email: (emailId: number) => ({ PK: `EMAIL#${pad(emailId)}`, SK: '#META' }),
  emailGsi: (workspaceId: string, emailId: number) => ({ GSI1PK: `WS#${workspaceId}#EMAILS`, GSI1SK: `EMAIL#${pad(emailId)}` }),
  emailsOfWorkspace: (workspaceId: string) => `WS#${workspaceId}#EMAILS`,
  /** The email's HTML, beside its settings (up to the 256 KB body cap). */
  emailContent: (emailId: number) => ({ PK: `EMAIL#${pad(emailId)}`, SK: 'CONTENT' }),
  /** Per-shard counters of a send (queued, sending, sent, failed, opens, clicks), summed on read. */
  emailStats: (emailId: number, shard: number) => ({ PK: `EMAIL#${pad(emailId)}`, SK: `STAT#${shard}` }),
  emailStatPrefix: 'STAT#',
  /**
   * One recipient of a send: its claim (created before the mailer is called, so at most once),
   * its result and its opens and clicks, in SUBSCRIBER_SHARDS partitions per email (the logs read them).
   */
  emailRecipient: (emailId: number, email: string, shard = shardOf(email)) => ({ PK: `ESEND#${pad(emailId)}#${shard}`, SK: email }),
  emailRecipientPartition: (emailId: number, shard: number) => `ESEND#${pad(emailId)}#${shard}`,
  /** Sends in progress (status 21/22): what a restarted local runtime resumes; few at a time. */
  /** A regular email's page of recipients as its page task claims it (issue 15, shared/emails/deliver.ts). */
  emailPage: (emailId: number, shard: number, pageId: string) => ({ PK: `EPAGE#${pad(emailId)}#${shard}`, SK: pageId }),
  emailSending: (emailId: number) => ({ PK: 'ESENDING', SK: `EMAIL#${pad(emailId)}` }),
  emailSendingPartition: 'ESENDING',
} as const;
