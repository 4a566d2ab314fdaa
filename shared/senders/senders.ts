/**
 * Sender addresses of a list (v2 API, issue 13; reference/stibee-api-v2_openapi.yml
 * "주소록 - 발신자 이메일 주소"). A list names the addresses it may send from; whether an address
 * is verified belongs to the workspace, so one verified in another list of the same workspace is
 * added at once (as the yml says). Verification is proven either by the identity provider (SES,
 * when this workspace's add created the identity) or by our own signed link, which is what a
 * second workspace claiming an address SES already knows must follow: SES's state says nothing
 * about who clicked.
 */
import { GetCommand, PutCommand, UpdateCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { batchGet, keyString, queryAll } from '#shared/db/batch';
import type { Deps } from '#shared/runtime/deps';
import { loadListContext } from '#shared/lists/model';
import { isValidEmail, normalizeEmail } from '#shared/subscribers/email';
import { senderIdentities } from './identities';
import { senderVerificationMail } from './mail';
import { isFreeMailDomain } from './free-mail';

type SenderDeps = Pick<Deps, 'db' | 'tableName' | 'clock' | 'signer' | 'mailer' | 'systemSender' | 'publicBaseUrl'>;

export const SENDER_CONFIRM_PATH = '/v2/senders/confirm';
const LINK_TTL_DAYS = 7;

interface WorkspaceSender {
  email: string;
  /** `provider`: the identity provider mailed (SES's link, or locally ours); `link`: we mailed our own link. */
  via: 'provider' | 'link';
  verifiedAt?: string;
}

export function parseSenderEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) throw new ApiError('INVALID_REQUEST', 'email: 이메일 주소 형식이 잘못되었습니다');
  return email;
}

function linkFor(deps: SenderDeps, workspaceId: string, email: string): string {
  const expiresAt = Math.floor(deps.clock.now().getTime() / 1000) + LINK_TTL_DAYS * 86_400;
  const token = deps.signer.sign('sender', JSON.stringify({ w: workspaceId, e: email }), expiresAt);
  return `${deps.publicBaseUrl}${SENDER_CONFIRM_PATH}?token=${encodeURIComponent(token)}`;
}

async function readWorkspaceSender(deps: SenderDeps, workspaceId: string, email: string): Promise<WorkspaceSender | undefined> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.workspaceSender(workspaceId, email), ConsistentRead: true }));
  return res.Item ? toWorkspaceSender(res.Item) : undefined;
}

const toWorkspaceSender = (item: Record<string, unknown>): WorkspaceSender => ({
  email: String(item.email),
  via: item.via === 'link' ? 'link' : 'provider',
  ...(item.verifiedAt ? { verifiedAt: String(item.verifiedAt) } : {}),
});

async function markVerified(deps: SenderDeps, workspaceId: string, email: string): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.workspaceSender(workspaceId, email),
      UpdateExpression: 'SET verifiedAt = if_not_exists(verifiedAt, :now)',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':now': deps.clock.now().toISOString() },
    }),
  );
}

/** Verified for this workspace: recorded, or proven by the provider for an identity this workspace created (then recorded). */
async function isVerified(deps: SenderDeps, workspaceId: string, sender: WorkspaceSender | undefined): Promise<boolean> {
  if (!sender) return false;
  if (sender.verifiedAt) return true;
  if (sender.via !== 'provider' || !(await senderIdentities(deps).isVerified(sender.email))) return false;
  await markVerified(deps, workspaceId, sender.email);
  return true;
}

/** Starts (or restarts) verification and records how it is being proven. */
async function startVerification(deps: SenderDeps, workspaceId: string, email: string, again: boolean): Promise<void> {
  const link = linkFor(deps, workspaceId, email);
  const identities = senderIdentities(deps);
  const started = again ? await identities.resend(email, link) : await identities.start(email, link);
  if (started === 'exists') await deps.mailer.send(senderVerificationMail(deps.systemSender, email, link));
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.workspaceSender(workspaceId, email),
      UpdateExpression: 'SET #t = :t, email = :e, via = :via, requestedAt = :now',
      ExpressionAttributeNames: { '#t': 'type' },
      ExpressionAttributeValues: { ':t': 'workspaceSender', ':e': email, ':via': started === 'exists' ? 'link' : 'provider', ':now': deps.clock.now().toISOString() },
    }),
  );
}

async function listSenderEmails(deps: SenderDeps, listId: number): Promise<string[]> {
  const items = await queryAll(deps.db, {
    TableName: deps.tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
    ExpressionAttributeValues: { ':pk': keys.listPartition(listId), ':p': keys.listSenderPrefix },
    ConsistentRead: true,
  });
  return items.map((i) => String(i.email));
}

async function hasListSender(deps: SenderDeps, listId: number, email: string): Promise<boolean> {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.listSender(listId, email), ConsistentRead: true }));
  return Boolean(res.Item);
}

/** POST /v2/lists/{id}/senders → `{authorized}`. */
export async function addSender(deps: SenderDeps, workspaceId: string, listId: number, rawEmail: string): Promise<{ authorized: boolean }> {
  const email = parseSenderEmail(rawEmail);
  if (isFreeMailDomain(email)) throw new ApiError('SENDER_DOMAIN_NOT_PERMITTED', email.slice(email.indexOf('@') + 1));
  await loadListContext(deps, workspaceId, listId);
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.listSender(listId, email), type: 'listSender', listId, email, createdAt: deps.clock.now().toISOString() },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  ).catch((error: unknown) => {
    // Added before: adding again is answered like the first time.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  });
  const known = await readWorkspaceSender(deps, workspaceId, email);
  if (await isVerified(deps, workspaceId, known)) return { authorized: true };
  if (!known) await startVerification(deps, workspaceId, email, false);
  return { authorized: false };
}

/** GET /v2/lists/{id}/senders → `[{email, authorized}]`, in address order. */
export async function listSenders(deps: SenderDeps, workspaceId: string, listId: number) {
  await loadListContext(deps, workspaceId, listId);
  const emails = (await listSenderEmails(deps, listId)).sort();
  const found = await batchGet(deps.db, deps.tableName, emails.map((e) => keys.workspaceSender(workspaceId, e)));
  return Promise.all(
    emails.map(async (email) => {
      const item = found.get(keyString(keys.workspaceSender(workspaceId, email)));
      return { email, authorized: await isVerified(deps, workspaceId, item ? toWorkspaceSender(item) : undefined) };
    }),
  );
}

/** POST /v2/lists/{id}/senders/{email}/verify: mails the verification again (a verified address: nothing to do). */
export async function resendVerification(deps: SenderDeps, workspaceId: string, listId: number, rawEmail: string): Promise<void> {
  const email = parseSenderEmail(rawEmail);
  await loadListContext(deps, workspaceId, listId);
  if (!(await hasListSender(deps, listId, email))) throw new ApiError('SENDER_NOT_FOUND');
  const known = await readWorkspaceSender(deps, workspaceId, email);
  if (await isVerified(deps, workspaceId, known)) return;
  // A provider identity this workspace created is re-created (SES mails again); a link is mailed again.
  if (known?.via === 'link') await deps.mailer.send(senderVerificationMail(deps.systemSender, email, linkFor(deps, workspaceId, email)));
  else await startVerification(deps, workspaceId, email, Boolean(known));
}

/** DELETE /v2/lists/{id}/senders/{email}; refused while an automated email of the list that is not a draft or ended sends from it. */
export async function deleteSender(deps: SenderDeps, workspaceId: string, listId: number, rawEmail: string): Promise<void> {
  const email = parseSenderEmail(rawEmail);
  const ctx = await loadListContext(deps, workspaceId, listId);
  if (!(await hasListSender(deps, listId, email))) throw new ApiError('INVALID_REQUEST', 'email: 주소록에 추가되어 있지 않은 발신자 이메일 주소입니다');
  const user = ctx.automations.find((a) => normalizeEmail(a.senderEmail) === email && a.state !== 'draft' && a.state !== 'ended');
  if (user) throw new ApiError('SENDER_IN_USE', `automationId=${user.automationId}`);
  await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: keys.listSender(listId, email) }));
}

/** Copies a list's sender addresses to another list of the same workspace (list copy). */
export async function copySenders(deps: SenderDeps, fromListId: number, toListId: number): Promise<void> {
  const now = deps.clock.now().toISOString();
  for (const email of await listSenderEmails(deps, fromListId)) {
    await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: { ...keys.listSender(toListId, email), type: 'listSender', listId: toListId, email, createdAt: now } }));
  }
}

/** The list-partition keys of a list's senders (list deletion). */
export async function listSenderKeys(deps: SenderDeps, listId: number) {
  return (await listSenderEmails(deps, listId)).map((e) => keys.listSender(listId, e));
}

/** A sender address of the list that is verified for its workspace (issue 13); the dispatcher asks before it mails (issue 14). */
export async function isVerifiedSender(deps: SenderDeps, list: { workspaceId: string; listId: number }, rawEmail: string): Promise<boolean> {
  const email = normalizeEmail(rawEmail);
  const { workspaceId, listId } = list;
  return (await hasListSender(deps, listId, email)) && (await isVerified(deps, workspaceId, await readWorkspaceSender(deps, workspaceId, email)));
}

/**
 * Issue 13: automated emails send only from a verified sender address of their list. Checked
 * where one is saved (issue 14) and where one starts sending (start, schedule, resume).
 */
export async function assertVerifiedSender(deps: SenderDeps, list: { workspaceId: string; listId: number }, rawEmail: string): Promise<void> {
  if (!(await isVerifiedSender(deps, list, rawEmail))) throw new ApiError('SENDER_NOT_VERIFIED', `senderEmail=${normalizeEmail(rawEmail)}`);
}

export type SenderConfirmOutcome = 'confirmed' | 'invalid';

/** GET /v2/senders/confirm?token=: our own verification link (public, HTML page). */
export async function confirmSenderLink(deps: SenderDeps, token: string): Promise<SenderConfirmOutcome> {
  const payload = deps.signer.verify('sender', token, Math.floor(deps.clock.now().getTime() / 1000));
  if (!payload) return 'invalid';
  let parsed: { w?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(payload) as { w?: unknown; e?: unknown };
  } catch {
    return 'invalid';
  }
  if (typeof parsed.w !== 'string' || typeof parsed.e !== 'string') return 'invalid';
  try {
    await markVerified(deps, parsed.w, parsed.e);
    return 'confirmed';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'invalid';
    throw error;
  }
}
