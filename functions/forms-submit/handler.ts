import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { headerOf } from '#shared/http/language';
import { FORM_ACTION_PATH, formUnavailable, loadListByPublicKey, submitForm } from '#shared/forms/form';
import { formPage, outcomePage, unavailablePage } from '#shared/forms/page';

const query = z.record(z.string(), z.string().max(2000)).default({});
const params = z.object({ publicKey: z.string().max(400) });

/** The posted fields: a form (application/x-www-form-urlencoded, what an HTML form sends) or a JSON object of scalars. */
function postedValues(body: string | null | undefined, contentType: string | undefined): Record<string, string> {
  const text = body ?? '';
  if (/^application\/json\b/i.test(contentType ?? '')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text || '{}');
    } catch {
      throw new ApiError('INVALID_JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ApiError('INVALID_REQUEST', '(body): an object of form fields');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      else if (v !== null) throw new ApiError('INVALID_REQUEST', `${k}: a string`);
    }
    return out;
  }
  // URLSearchParams never yields prototype keys as anything but own entries; a repeated name keeps its last value.
  return Object.fromEntries(new URLSearchParams(text));
}

/** A browser's form post wants a page; a script that asks for JSON gets the v1 envelope. */
const wantsJson = (accept: string | undefined) => /application\/json/i.test(accept ?? '') && !/text\/html/i.test(accept ?? '');

/**
 * Issue 15: the public form endpoint, for the hosted page and forms embedded on other sites
 * (the original's `/api/v1.0/lists/{publicKey}/public/subscribers`). Query values as the
 * original's help page describes: `groupIds` and custom-field keys. Refused for a disabled form
 * and for linked lists (SPEC I5). Per-IP throttled as every public route (issue 14).
 */
export const handler = apiHandler({ public: true, rawBody: true, params, query }, async ({ params, query, deps, event }) => {
  const json = wantsJson(headerOf(event.headers, 'accept'));
  const ctx = await loadListByPublicKey(deps, params.publicKey);
  const unavailable = formUnavailable(ctx);
  if (unavailable) {
    if (!json) return new RawResponse(unavailablePage(ctx?.list.formLanguage ?? 'ko'));
    throw new ApiError(unavailable === 'missing' ? 'LIST_NOT_FOUND' : unavailable === 'linked' ? 'LIST_LINKED_ADD_REFUSED' : 'FORM_DISABLED');
  }
  const values = postedValues(event.body, headerOf(event.headers, 'content-type'));
  const outcome = await submitForm(deps, ctx!, { values, query });
  if (json) {
    if (outcome.kind === 'invalid') throw new ApiError('INVALID_REQUEST', `${outcome.field}: ${outcome.reason}`);
    if (outcome.kind === 'not-sent') throw new ApiError('FORM_CONFIRMATION_NOT_SENT');
    return outcome.kind === 'subscribed' ? { status: 'subscribed', subscribedAt: outcome.at } : { status: 'confirmation-sent' };
  }
  if (outcome.kind === 'invalid') {
    // The form again, with what was typed and the error announced; it posts back here with the same query.
    const search = new URLSearchParams(query).toString();
    const action = `${deps.publicBaseUrl}${FORM_ACTION_PATH(params.publicKey)}${search ? `?${search}` : ''}`;
    return new RawResponse(formPage(ctx!, action, { values, error: { field: outcome.field, reason: outcome.reason } }, 400));
  }
  return new RawResponse(outcomePage(ctx!, outcome));
});
