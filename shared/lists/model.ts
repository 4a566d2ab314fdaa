/** SPEC L1/L11: a list (address book) as stored, and the context every subscriber operation loads once. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import type { Deps } from '#shared/runtime/deps';
import type { CustomField } from './fields';
import { toWebhookRecord, type WebhookRecord } from '#shared/webhooks/model';
import { toAutomationRecord, type AutomationRecord } from '#shared/automations/model';

export const listKinds = ['standard', 'sixshop', 'donus'] as const;
export type ListKind = (typeof listKinds)[number];

export interface ListSettings {
  senderName: string;
  companyName: string;
  companyContact: string;
  companyAddress: string;
  /** Hard bounces and complaints auto-delete (default on). */
  useSubscriberAutoDelete: boolean;
  canSendToUnsubscribed: boolean;
  // The list's subscription form (issue 15, docs/api.md "The subscription form").
  /** The hosted page and the public endpoint take subscriptions (default off). */
  formEnabled: boolean;
  /** The form's and its result pages' language (구독 폼 언어). */
  formLanguage: 'ko' | 'en';
  /** Double opt-in for form subscriptions (구독 확인 이메일, default on). */
  formConfirmEmail: boolean;
  /** Heading of the hosted page; empty: "<list name> 구독하기" / "Subscribe to <list name>". */
  formTitle: string;
  /** Text under the heading. */
  formDescription: string;
  /** Custom-field tags the hosted page asks for, after the email address, in this order. */
  formFields: string[];
}

export interface ListRecord extends ListSettings {
  listId: number;
  workspaceId: string;
  name: string;
  kind: ListKind;
  fields: CustomField[];
  /** Generation of the subscriber set in use; imports switch it atomically. */
  gen: number;
  createdAt: string;
  updatedAt: string;
  /** SPEC I6: when the last import switched the list (linked lists). */
  lastImportAt?: string;
}

export interface GroupRecord {
  groupId: number;
  listId: number;
  name: string;
  createdAt: string;
}

export interface ListContext {
  list: ListRecord;
  groups: Map<number, GroupRecord>;
  webhooks: WebhookRecord[];
  /** Automated emails of the list (SPEC A1), in id order. */
  automations: AutomationRecord[];
}

export const toListRecord = (item: Record<string, unknown>): ListRecord => ({
  listId: Number(item.listId),
  workspaceId: String(item.workspaceId),
  name: String(item.name),
  kind: item.kind as ListKind,
  fields: item.fields as CustomField[],
  gen: Number(item.gen),
  createdAt: String(item.createdAt),
  updatedAt: String(item.updatedAt),
  ...(item.lastImportAt ? { lastImportAt: String(item.lastImportAt) } : {}),
  senderName: String(item.senderName ?? ''),
  companyName: String(item.companyName ?? ''),
  companyContact: String(item.companyContact ?? ''),
  companyAddress: String(item.companyAddress ?? ''),
  useSubscriberAutoDelete: item.useSubscriberAutoDelete !== false,
  canSendToUnsubscribed: item.canSendToUnsubscribed === true,
  formEnabled: item.formEnabled === true,
  formLanguage: item.formLanguage === 'en' ? 'en' : 'ko',
  formConfirmEmail: item.formConfirmEmail !== false,
  formTitle: String(item.formTitle ?? ''),
  formDescription: String(item.formDescription ?? ''),
  // Lists stored before issue 15 ask for the name, as the original's default form does.
  formFields: Array.isArray(item.formFields) ? item.formFields.map(String) : ['name'],
});

export const toGroupRecord = (item: Record<string, unknown>): GroupRecord => ({
  groupId: Number(item.groupId),
  listId: Number(item.listId),
  name: String(item.name),
  createdAt: String(item.createdAt),
});

/**
 * One query reads the list and its groups. A list of another workspace answers exactly like a
 * missing one (SPEC W1).
 */
export async function loadListContext(
  deps: Pick<Deps, 'db' | 'tableName'>,
  workspaceId: string,
  listId: number,
): Promise<ListContext> {
  if (!Number.isSafeInteger(listId) || listId <= 0) throw new ApiError('LIST_NOT_FOUND');
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.listPartition(listId) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  const meta = items.find((i) => i.SK === '#META');
  if (!meta || meta.workspaceId !== workspaceId) throw new ApiError('LIST_NOT_FOUND');
  const groups = new Map<number, GroupRecord>();
  const webhooks: WebhookRecord[] = [];
  const automations: AutomationRecord[] = [];
  for (const item of items) {
    const sk = String(item.SK);
    if (sk.startsWith(keys.groupPrefix)) {
      const g = toGroupRecord(item);
      groups.set(g.groupId, g);
    } else if (sk.startsWith(keys.webhookPrefix)) {
      webhooks.push(toWebhookRecord(item));
    } else if (sk.startsWith(keys.automationPrefix)) {
      automations.push(toAutomationRecord(item));
    }
  }
  webhooks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { list: toListRecord(meta), groups, webhooks, automations };
}

/** Path and body ids arrive as strings or numbers: "1234" and 1234 name the same group. */
export function parseId(raw: unknown): number | null {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,15}$/.test(text)) return null;
  const n = Number(text);
  return n > 0 ? n : null;
}
