/**
 * Issue 17: an import job or a send as the operator needs it on a bad day, by id: the stored
 * record as it is (status, figures, error, lease), across workspaces, without the table's keys.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { loadJob } from '#shared/imports/jobs';
import { emailById, readFigures } from '#shared/emails/emails';
import type { Deps } from '#shared/runtime/deps';
import { OperatorError } from './dead-letters';

type ReadDeps = Pick<Deps, 'db' | 'tableName'>;

const withoutKeys = (item: Record<string, unknown>) => Object.fromEntries(Object.entries(item).filter(([k]) => !/^(PK|SK|GSI1PK|GSI1SK)$/.test(k)));

async function raw(deps: ReadDeps, key: { PK: string; SK: string }) {
  const res = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }));
  return res.Item;
}

/** An import job (SPEC I3): its state and figures, and the list it imports into. */
export async function showImportJob(deps: ReadDeps, listId: number, jobId: string) {
  const job = await loadJob(deps, listId, jobId);
  if (!job) throw new OperatorError(`no import job ${jobId} on list ${listId}`);
  const list = await raw(deps, keys.list(listId));
  return { job, list: list ? { workspaceId: list.workspaceId, importing: list.importJobId ?? null, lastImportJobId: list.lastImportJobId ?? null } : null };
}

/** An automated email's send (SPEC A5) by its id: status, attempts, lease, reason, message id. */
export async function showAutomatedSend(deps: ReadDeps, sendId: string) {
  const item = await raw(deps, keys.send(sendId));
  if (!item) throw new OperatorError(`no automated send ${sendId}`);
  return withoutKeys(item);
}

/** A regular email's send (issue 15): the email's state and figures and, with `to`, that recipient's record. */
export async function showEmailSend(deps: ReadDeps, emailId: number, to?: string) {
  const email = await emailById(deps, emailId);
  if (!email) throw new OperatorError(`no email ${emailId}`);
  const figures = await readFigures(deps, emailId);
  const recipient = to ? await raw(deps, keys.emailRecipient(emailId, to.trim().toLowerCase())) : undefined;
  if (to && !recipient) throw new OperatorError(`email ${emailId} has no send to ${to}`);
  return { email, figures, ...(recipient ? { recipient: withoutKeys(recipient) } : {}) };
}
