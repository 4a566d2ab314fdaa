/** How lists and groups appear in responses. */
import type { GroupRecord, ListRecord } from './model';
import { offsetTime } from '#shared/subscribers/v1-format';
import { kstIsoTime } from '#shared/http/kst-time';

export const listView = (l: ListRecord) => ({
  id: l.listId,
  name: l.name,
  kind: l.kind,
  senderName: l.senderName,
  companyName: l.companyName,
  companyContact: l.companyContact,
  companyAddress: l.companyAddress,
  useSubscriberAutoDelete: l.useSubscriberAutoDelete,
  canSendToUnsubscribed: l.canSendToUnsubscribed,
  formEnabled: l.formEnabled,
  formLanguage: l.formLanguage,
  formConfirmEmail: l.formConfirmEmail,
  formTitle: l.formTitle,
  formDescription: l.formDescription,
  formFields: l.formFields,
  fields: l.fields,
  createdDate: l.createdAt,
  modifiedDate: l.updatedAt,
  // SPEC I6: a linked list's last-updated date is its last successful import (null before the first).
  ...(l.kind === 'standard' ? {} : { lastImportDate: l.lastImportAt ?? null }),
});

export const groupView = (g: GroupRecord) => ({ id: g.groupId, listId: g.listId, name: g.name, createdDate: g.createdAt });

/** The v1 look-ups' row of a list or a group (reference/api-webhook_list-api_2024-04-18.md). */
export interface V1Row {
  id: number;
  name: string;
  createdTime: string;
}

export const v1ListRow = (l: ListRecord): V1Row => ({ id: l.listId, name: l.name, createdTime: offsetTime(l.createdAt) });
export const v1GroupRow = (g: GroupRecord): V1Row => ({ id: g.groupId, name: g.name, createdTime: offsetTime(g.createdAt) });

export interface V1CollectionQuery {
  offset: number;
  limit: number;
  sortBy: 'createdTime' | 'id' | 'name';
  orderBy: 'asc' | 'desc';
}

/**
 * Sorts and pages the rows as `GET /v1/lists` and `GET /v1/lists/{id}/groups` do; ties (same
 * name or time) fall back to the id so pages never overlap. An empty answer is null, as the page
 * shows for "nothing to look up".
 */
export function pageRows(rows: V1Row[], q: V1CollectionQuery): V1Row[] | null {
  const dir = q.orderBy === 'desc' ? -1 : 1;
  const key = (r: V1Row): string | number => (q.sortBy === 'name' ? r.name : q.sortBy === 'createdTime' ? r.createdTime : r.id);
  const sorted = [...rows].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x !== y) return (x < y ? -1 : 1) * dir;
    return (a.id - b.id) * dir;
  });
  const page = sorted.slice(q.offset, q.offset + q.limit);
  return page.length ? page : null;
}

/**
 * A list in the v2 API (the yml's GetListResponse): its fields first, then ours beyond it
 * (kind, fields, dates). `owner` is the workspace id (the workspace is the owner here).
 */
export const listV2View = (l: ListRecord) => ({ ...listView(l), owner: l.workspaceId });

/** A group in the v2 API (the yml's GetGroupResponse items); listId beyond it. */
export const groupV2View = (g: GroupRecord) => ({ id: g.groupId, name: g.name, createdTime: kstIsoTime(g.createdAt), listId: g.listId });
