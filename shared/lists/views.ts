/** How lists and groups appear in responses. */
import type { GroupRecord, ListRecord } from './model';

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
  fields: l.fields,
  createdDate: l.createdAt,
  modifiedDate: l.updatedAt,
  // SPEC I6: a linked list's last-updated date is its last successful import (null before the first).
  ...(l.kind === 'standard' ? {} : { lastImportDate: l.lastImportAt ?? null }),
});

export const groupView = (g: GroupRecord) => ({ id: g.groupId, listId: g.listId, name: g.name, createdDate: g.createdAt });
