/**
 * Regular emails through the v2 API (issue 15): create, read, list, update, delete, copy, tags
 * and content. Sending lives in send.ts. Only a draft (status 0) is edited; every change is
 * conditioned on the status it read, so an edit never lands on an email that began sending.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys, SUBSCRIBER_SHARDS } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { queryIndex } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext } from '#shared/lists/model';
import { nextId } from '#shared/lists/sequence';
import { normalizeEmail } from '#shared/subscribers/email';
import { EmailStatus, emailAttributes, MAX_EMAIL_TAGS, REGULAR_EMAIL_TYPE, toEmailRecord, type EmailRecord, type SendFigures } from './model';

type Db = Pick<Deps, 'db' | 'tableName' | 'clock'>;

export interface EmailSettingsInput {
  subject?: string;
  senderEmail?: string;
  senderName?: string;
  listId?: number;
  segmentIds?: number[];
  groupIds?: number[] | null;
  type?: number;
  subType?: number;
  abRatio?: number;
  subjectA?: string;
  subjectB?: string;
  senderNameA?: string;
  senderNameB?: string;
}

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

/**
 * The yml's PermissionDenied cases: the list, its groups and segments must be the caller's, and the
 * sender address one added to the list (verification is checked when it is sent: send.ts).
 */
async function checkTargets(deps: Db, workspaceId: string, e: Pick<EmailRecord, 'listId' | 'groupIds' | 'segmentIds' | 'senderEmail'>) {
  const ctx = await loadListContext(deps, workspaceId, e.listId);
  // Segments do not exist here, so no segment id is the caller's (docs/api.md).
  if (e.segmentIds.length) throw new ApiError('EMAIL_NOT_OWNED', `segmentIds=${e.segmentIds.join(',')}`);
  const foreign = (e.groupIds ?? []).filter((g) => !ctx.groups.has(g));
  if (foreign.length) throw new ApiError('EMAIL_NOT_OWNED', `groupIds=${foreign.join(',')}`);
  const sender = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.listSender(e.listId, e.senderEmail), ConsistentRead: true }));
  if (!sender.Item) throw new ApiError('EMAIL_NOT_OWNED', `senderEmail=${e.senderEmail}: 사용할 수 없는 발신자 이메일`);
  return ctx;
}

const uniqueIds = (ids: readonly number[] | null | undefined) => (ids ? [...new Set(ids)] : ids);

export async function createEmail(deps: Db, workspaceId: string, input: Required<Pick<EmailSettingsInput, 'subject' | 'senderEmail' | 'senderName' | 'listId'>> & EmailSettingsInput): Promise<EmailRecord> {
  const now = deps.clock.now().toISOString();
  const draft: Omit<EmailRecord, 'emailId'> = {
    workspaceId,
    listId: input.listId,
    status: EmailStatus.draft,
    type: REGULAR_EMAIL_TYPE,
    subType: 0,
    subject: input.subject,
    subjectA: '',
    subjectB: '',
    senderEmail: normalizeEmail(input.senderEmail),
    senderName: input.senderName,
    senderNameA: '',
    senderNameB: '',
    abRatio: 0,
    segmentIds: uniqueIds(input.segmentIds) ?? [],
    groupIds: input.groupIds?.length ? uniqueIds(input.groupIds)! : null,
    tagIds: [],
    hasContent: false,
    includeUnsubscribed: false,
    createdAt: now,
    updatedAt: now,
  };
  await checkTargets(deps, workspaceId, draft);
  const email: EmailRecord = { ...draft, emailId: await nextId(deps, 'email') };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.email(email.emailId), ...keys.emailGsi(workspaceId, email.emailId), type: 'email', ...emailAttributes(email) },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  return email;
}

/** The caller's email; another workspace's answers exactly like a missing one (SPEC W1). */
export async function findEmail(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, emailId: number): Promise<EmailRecord> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.email(emailId), ConsistentRead: true }));
  if (!res.Item || res.Item.workspaceId !== workspaceId) throw new ApiError('EMAIL_NOT_FOUND');
  return toEmailRecord(res.Item);
}

export async function emailById(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number): Promise<EmailRecord | undefined> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.email(emailId), ConsistentRead: true }));
  return res.Item ? toEmailRecord(res.Item) : undefined;
}

/**
 * GET /v2/emails: the workspace's emails, newest first, filtered by list and tag (any of the
 * given tag ids). The workspace's index partition is read whole for `total` (settings items are
 * small; docs/data-model.md).
 */
export async function pageEmails(
  deps: Pick<Deps, 'db' | 'tableName'>,
  workspaceId: string,
  o: { offset: number; limit: number; listId?: number; tagIds?: number[] },
): Promise<{ total: number; offset: number; limit: number; items: EmailRecord[] }> {
  const all = (await queryIndex(deps.db, deps.tableName, keys.emailsOfWorkspace(workspaceId))).map(toEmailRecord);
  const wanted = all
    .filter((e) => o.listId === undefined || e.listId === o.listId)
    .filter((e) => !o.tagIds?.length || e.tagIds.some((t) => o.tagIds!.includes(t)))
    .sort((a, b) => b.emailId - a.emailId);
  return { total: wanted.length, offset: o.offset, limit: o.limit, items: wanted.slice(o.offset, o.offset + o.limit) };
}

/** Writes the email back if it is still in the status it was read in (and unchanged since). */
async function putIfUnchanged(deps: Db, before: EmailRecord, after: EmailRecord, refused: 'EMAIL_NOT_DRAFT' | 'EMAIL_WRONG_STATUS') {
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: { ...keys.email(after.emailId), ...keys.emailGsi(after.workspaceId, after.emailId), type: 'email', ...emailAttributes(after) },
        ConditionExpression: '#s = :s AND updatedAt = :u',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': before.status, ':u': before.updatedAt },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ApiError(refused);
    throw error;
  }
}

/** PUT /v2/emails/{id}: a draft's settings; fields left out keep their values. */
export async function updateEmail(deps: Db, workspaceId: string, emailId: number, input: EmailSettingsInput): Promise<void> {
  const current = await findEmail(deps, workspaceId, emailId);
  if (input.type !== undefined && input.type !== REGULAR_EMAIL_TYPE) throw new ApiError('EMAIL_NOT_NORMAL', `type=${input.type}`);
  if (current.status !== EmailStatus.draft) throw new ApiError('EMAIL_NOT_DRAFT');
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as EmailSettingsInput;
  const next: EmailRecord = {
    ...current,
    ...defined,
    type: REGULAR_EMAIL_TYPE,
    senderEmail: defined.senderEmail !== undefined ? normalizeEmail(defined.senderEmail) : current.senderEmail,
    segmentIds: uniqueIds(defined.segmentIds) ?? current.segmentIds,
    groupIds: input.groupIds === undefined ? current.groupIds : input.groupIds?.length ? uniqueIds(input.groupIds)! : null,
    updatedAt: laterThan(deps, current.updatedAt),
  };
  await checkTargets(deps, workspaceId, next);
  await putIfUnchanged(deps, current, next, 'EMAIL_NOT_DRAFT');
}

/** A modification time after `previous` even within one millisecond (the optimistic check compares it). */
function laterThan(deps: Pick<Deps, 'clock'>, previous: string): string {
  const now = deps.clock.now().getTime();
  return new Date(Math.max(now, Date.parse(previous) + 1)).toISOString();
}

/**
 * DELETE /v2/emails/{id}: not while it is being sent; a reserved one loses its reservation with
 * it. The logs of a sent email expire on their own (docs/data-model.md).
 */
export async function deleteEmail(deps: Db & Pick<Deps, 'scheduler'>, workspaceId: string, emailId: number): Promise<void> {
  const current = await findEmail(deps, workspaceId, emailId);
  if (current.status === EmailStatus.preparing || current.status === EmailStatus.sending) throw new ApiError('EMAIL_WRONG_STATUS');
  try {
    await deps.db.send(
      new DeleteCommand({
        TableName: deps.tableName,
        Key: keys.email(emailId),
        ConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': current.status },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ApiError('EMAIL_WRONG_STATUS');
    throw error;
  }
  if (current.status === EmailStatus.reserved) await deps.scheduler.remove(reserveEntryName(emailId));
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.emailContent(emailId) }));
  for (let shard = 0; shard < SUBSCRIBER_SHARDS; shard++) await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.emailStats(emailId, shard) }));
}

/** The scheduler entry of a reserved email (one per email: reserving again replaces it). */
export const reserveEntryName = (emailId: number) => `email-${emailId}`;

/** POST /v2/emails/{id}/copy: a new draft with the settings, tags and content (not the status, reservation or logs). */
export async function copyEmail(deps: Db, workspaceId: string, emailId: number): Promise<EmailRecord> {
  const source = await findEmail(deps, workspaceId, emailId);
  const copy = await createEmail(deps, workspaceId, { ...source });
  const now = copy.createdAt;
  const html = source.hasContent ? await readContent(deps, emailId) : undefined;
  if (html !== undefined) await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: { ...keys.emailContent(copy.emailId), type: 'emailContent', html } }));
  const copied: EmailRecord = {
    ...copy,
    subjectA: source.subjectA,
    subjectB: source.subjectB,
    senderNameA: source.senderNameA,
    senderNameB: source.senderNameB,
    abRatio: source.abRatio,
    subType: source.subType,
    tagIds: source.tagIds,
    hasContent: html !== undefined,
    updatedAt: laterThan(deps, now),
  };
  await putIfUnchanged(deps, copy, copied, 'EMAIL_WRONG_STATUS');
  return copied;
}

/** `1,2` → [1, 2]: the yml's pattern `^\d+(,\d+)*$`, at most MAX_EMAIL_TAGS distinct ids. */
export function parseTagIds(raw: string): number[] {
  if (!/^\d{1,15}(,\d{1,15})*$/.test(raw)) throw new ApiError('EMAIL_TAGS_INVALID', `tagIds=${raw.slice(0, 100)}`);
  const ids = [...new Set(raw.split(',').map(Number))];
  if (ids.some((id) => id <= 0) || ids.length > MAX_EMAIL_TAGS) throw new ApiError('EMAIL_TAGS_INVALID', `tagIds: 1 ~ ${MAX_EMAIL_TAGS} positive ids`);
  return ids;
}

/** Tags are labels for finding emails: they change in any status (the yml does not restrict them). */
export async function changeTags(deps: Db, workspaceId: string, emailId: number, tagIds: readonly number[], how: 'assign' | 'release'): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await findEmail(deps, workspaceId, emailId);
    const tags = how === 'assign' ? [...new Set([...current.tagIds, ...tagIds])] : current.tagIds.filter((t) => !tagIds.includes(t));
    if (tags.length > MAX_EMAIL_TAGS) throw new ApiError('EMAIL_TAGS_INVALID', `an email has at most ${MAX_EMAIL_TAGS} tags`);
    try {
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.email(emailId),
          UpdateExpression: 'SET tagIds = :t',
          ConditionExpression: 'attribute_exists(PK) AND tagIds = :old',
          ExpressionAttributeValues: { ':t': tags, ':old': current.tagIds },
        }),
      );
      return;
    } catch (error) {
      // Another tag change landed in between: read again (a deleted email answers not found).
      if (!isConditionFailure(error) || attempt >= 5) throw error;
    }
  }
}

export async function readContent(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number): Promise<string | undefined> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.emailContent(emailId), ConsistentRead: true }));
  return res.Item ? String(res.Item.html) : undefined;
}

/** GET /v2/emails/{id}/content: the HTML as saved, merge tags unfilled. */
export async function getContent(deps: Pick<Deps, 'db' | 'tableName'>, workspaceId: string, emailId: number): Promise<string> {
  await findEmail(deps, workspaceId, emailId);
  const html = await readContent(deps, emailId);
  if (html === undefined) throw new ApiError('EMAIL_NO_HTML');
  return html;
}

/** POST /v2/emails/{id}/content: a draft's HTML (`$%tag%$` merge tags are filled per recipient at send). */
export async function setContent(deps: Db, workspaceId: string, emailId: number, html: string): Promise<void> {
  const current = await findEmail(deps, workspaceId, emailId);
  if (current.status !== EmailStatus.draft) throw new ApiError('EMAIL_WRONG_STATUS');
  if (!html.trim()) throw new ApiError('INVALID_REQUEST', '(body): HTML가 비어 있습니다');
  // One transaction: the HTML changes only while the email is still a draft (a send in between keeps both).
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: deps.tableName, Item: { ...keys.emailContent(emailId), type: 'emailContent', html } } },
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.email(emailId),
              UpdateExpression: 'SET hasContent = :t, updatedAt = :u',
              ConditionExpression: '#s = :draft',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':t': true, ':u': laterThan(deps, current.updatedAt), ':draft': EmailStatus.draft },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) throw new ApiError('EMAIL_WRONG_STATUS');
    throw error;
  }
}

/** The send's figures, summed over the email's counter shards. */
export async function readFigures(deps: Pick<Deps, 'db' | 'tableName'>, emailId: number): Promise<SendFigures> {
  const res = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :stat)',
      ExpressionAttributeValues: { ':pk': keys.email(emailId).PK, ':stat': keys.emailStatPrefix },
      ConsistentRead: true,
    }),
  );
  const figures: SendFigures = { queued: 0, sending: 0, sent: 0, failed: 0, opens: 0, uniqueOpens: 0, clicks: 0, uniqueClicks: 0, clickLogs: 0 };
  for (const item of res.Items ?? []) for (const k of Object.keys(figures) as (keyof SendFigures)[]) figures[k] += Number(item[k] ?? 0);
  return figures;
}
