/**
 * Issue 15, the subscription form (구독 폼): every list has one, enabled or not. The hosted page
 * (`/subscriptions/{listId}`) and forms embedded on other sites post to the public endpoint
 * (`/api/v1.0/lists/{publicKey}/public/subscribers`); the submission goes through the subscribe
 * API's own domain function (SPEC L4, eventOccurredBy SUBSCRIBER) and, when the list asks for
 * it, the double opt-in of shared/subscribers/confirmation.ts. Choices: docs/api.md.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '#shared/table/keys';
import { ApiError } from '#shared/http/errors';
import { logger } from '#shared/logger';
import type { Deps } from '#shared/runtime/deps';
import { checkFieldValue, type CustomField } from '#shared/lists/fields';
import { loadListContext, parseId, type ListContext } from '#shared/lists/model';
import { subscribe } from '#shared/subscribers/subscribe';

export const FORM_PAGE_PATH = (listId: number) => `/subscriptions/${listId}`;
export const FORM_ACTION_PATH = (publicKey: string) => `/api/v1.0/lists/${encodeURIComponent(publicKey)}/public/subscribers`;
/** The honeypot: hidden from people, filled by bots. No field tag starts with `_`, so it never names a field. */
export const HONEYPOT_FIELD = '_homepage';
/** The query parameter that names groups (`?groupIds=1,2`, the original's spelling). */
export const GROUP_IDS_PARAM = 'groupIds';

/**
 * The form's public key: the same every time (embedded forms keep working, the list reads the
 * same twice), MAC-checked for the `form` purpose, so no other link token opens a form and no
 * list id can be turned into one.
 */
export const formPublicKey = (deps: Pick<Deps, 'signer'>, listId: number): string => deps.signer.stableKey('form', String(listId));

export const formUrls = (deps: Pick<Deps, 'signer' | 'publicBaseUrl'>, listId: number) => ({
  formUrl: `${deps.publicBaseUrl}${FORM_PAGE_PATH(listId)}`,
  formActionUrl: `${deps.publicBaseUrl}${FORM_ACTION_PATH(formPublicKey(deps, listId))}`,
});

/** Loads a list by its id alone (the public side has no workspace); null when there is none. */
export async function loadPublicList(deps: Pick<Deps, 'db' | 'tableName'>, listId: number | null): Promise<ListContext | null> {
  if (listId === null) return null;
  const meta = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: keys.list(listId), ProjectionExpression: 'workspaceId' }));
  if (typeof meta.Item?.workspaceId !== 'string') return null;
  try {
    return await loadListContext(deps, meta.Item.workspaceId, listId);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'LIST_NOT_FOUND') return null;
    throw error;
  }
}

export async function loadListByPublicKey(deps: Pick<Deps, 'db' | 'tableName' | 'signer'>, publicKey: string): Promise<ListContext | null> {
  const payload = deps.signer.openStableKey('form', publicKey);
  return loadPublicList(deps, payload === null ? null : parseId(payload));
}

/**
 * Why a form is not shown nor accepted: off, or a linked list (SPEC I5: a Donus list takes
 * subscribers only from its import; a Sixshop list too, as the subscribe API refuses both).
 */
export function formUnavailable(ctx: ListContext | null): 'missing' | 'disabled' | 'linked' | null {
  if (!ctx) return 'missing';
  if (ctx.list.kind !== 'standard') return 'linked';
  if (!ctx.list.formEnabled) return 'disabled';
  return null;
}

/** The fields the hosted page asks for, after the email address: the setting's tags that still exist, in its order. */
export function formFieldsOf(ctx: ListContext): CustomField[] {
  const byTag = new Map(ctx.list.fields.map((f) => [f.tag, f]));
  return [...new Set(ctx.list.formFields)].flatMap((tag) => (tag !== 'email' && byTag.has(tag) ? [byTag.get(tag)!] : []));
}

/** `groupIds=1,2` (or repeated) → the ids of groups that exist; deleted or foreign groups are dropped, as the original does. */
export function groupIdsOf(ctx: ListContext, raw: string | undefined): number[] {
  const ids = (raw ?? '')
    .split(',')
    .map((part) => parseId(part))
    .filter((id): id is number => id !== null && ctx.groups.has(id));
  return [...new Set(ids)].slice(0, 100);
}

export interface FormSubmission {
  /** The posted form fields (form-encoded or JSON), by name. */
  readonly values: Readonly<Record<string, string>>;
  /** The action URL's query: `groupIds` and field values (`?channel=facebook`). */
  readonly query: Readonly<Record<string, string>>;
}

export type FormOutcome =
  | { kind: 'subscribed'; at: string }
  | { kind: 'confirmation-sent' }
  /** `field`: the tag whose value was refused (`email` for the address). */
  | { kind: 'invalid'; field: string; reason: 'required' | 'email' | 'value' | 'phone-taken' }
  /** The confirmation email could not be sent now; nothing waits for it. */
  | { kind: 'not-sent' };

const own = (record: Readonly<Record<string, string>>, key: string) => Object.prototype.hasOwnProperty.call(record, key);

/** What the `$ad_agreed` checkbox (or an embedded form's value) says. */
const adAgreedOf = (raw: string | undefined): 'Y' | 'N' | undefined => {
  if (raw === undefined) return undefined;
  return ['y', 'yes', 'on', 'true'].includes(raw.trim().toLowerCase()) ? 'Y' : 'N';
};

/**
 * One submission of the form. A filled honeypot answers as a success would and changes nothing
 * (a bot learns nothing). Query values fill fields the form did not post (a value the field's
 * type refuses is dropped, as a deleted field's is); posted values are checked as the subscribe
 * API checks them. An address already subscribed answers like a new one, so the form tells no
 * one who is on the list.
 */
export async function submitForm(deps: Deps, ctx: ListContext, submission: FormSubmission): Promise<FormOutcome> {
  const { values, query } = submission;
  const confirm = ctx.list.formConfirmEmail;
  const success = (): FormOutcome => (confirm ? { kind: 'confirmation-sent' } : { kind: 'subscribed', at: deps.clock.now().toISOString() });
  if (own(values, HONEYPOT_FIELD) && values[HONEYPOT_FIELD]!.trim() !== '') {
    logger.debug('subscription form: honeypot filled, ignored', { listId: ctx.list.listId });
    return success();
  }
  const email = own(values, 'email') ? values.email!.trim() : '';
  if (email === '') return { kind: 'invalid', field: 'email', reason: 'required' };

  const row: Record<string, unknown> = { email };
  for (const field of ctx.list.fields) {
    if (field.tag === 'email') continue;
    if (own(values, field.tag)) row[field.tag] = values[field.tag];
    else if (own(query, field.tag) && checkFieldValue(field, query[field.tag]).ok) row[field.tag] = query[field.tag];
  }
  const ad = adAgreedOf(own(values, '$ad_agreed') ? values.$ad_agreed : undefined);
  if (ad) row.$ad_agreed = ad;
  // The hosted page's checkbox posts nothing when unticked; its marker says the question was asked.
  else if (own(values, '$ad_asked')) row.$ad_agreed = 'N';

  let result;
  try {
    result = await subscribe(deps, ctx, {
      eventOccurredBy: 'SUBSCRIBER',
      confirmEmailYN: confirm ? 'Y' : 'N',
      groupIds: groupIdsOf(ctx, query[GROUP_IDS_PARAM]),
      subscribers: [row],
    });
  } catch (error) {
    // The subscribe API answers a lone, already subscribed address so (seed 002); the form does not tell.
    if (error instanceof ApiError && error.code === 'LIST_ALREADY_SUBSCRIBED') return success();
    throw error;
  }
  if (result.success.length || result.update.length || result.failExistEmail.length) return success();
  if (result.failWrongEmail.length || result.failNoEmail.length) return { kind: 'invalid', field: 'email', reason: 'email' };
  if (result.failExistPhone.length || result.failDuplicatedPhone.length) {
    return { kind: 'invalid', field: ctx.list.fields.find((f) => f.type === 'phone')?.tag ?? 'email', reason: 'phone-taken' };
  }
  if (result.failWrongPhone.length) return { kind: 'invalid', field: ctx.list.fields.find((f) => f.type === 'phone')?.tag ?? 'email', reason: 'value' };
  // failUnknown: a field's value the type refuses, or (with double opt-in) a mail that did not go.
  const refused = ctx.list.fields.find((f) => f.tag !== 'email' && f.tag in row && !checkFieldValue(f, row[f.tag]).ok);
  if (refused) return { kind: 'invalid', field: refused.tag, reason: 'value' };
  return { kind: 'not-sent' };
}
