/** How lists and groups appear in responses. */
import type { GroupRecord, ListRecord } from './model';
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

/**
 * A list in the v2 API (the yml's GetListResponse): its fields first, then ours beyond it
 * (kind, fields, dates). `owner` is the workspace id (the workspace is the owner here).
 */
export const listV2View = (l: ListRecord) => ({ ...listView(l), owner: l.workspaceId });

/** A group in the v2 API (the yml's GetGroupResponse items); listId beyond it. */
export const groupV2View = (g: GroupRecord) => ({ id: g.groupId, name: g.name, createdTime: kstIsoTime(g.createdAt), listId: g.listId });
