import { z } from 'zod';
import { apiHandler, RawResponse } from '#shared/http/api-handler';
import { parseId } from '#shared/lists/model';
import { FORM_ACTION_PATH, formPublicKey, formUnavailable, loadPublicList } from '#shared/forms/form';
import { formPage, unavailablePage } from '#shared/forms/page';

/** Every query value is a string here; `groupIds` and field keys are read by the form (issue 15). */
const query = z.record(z.string(), z.string().max(2000)).default({});

/**
 * Issue 15: the hosted subscription form of a list (public). The page's query (`?groupIds=1,2`,
 * `?name=스티비`) prefills the inputs and rides along on the form's action, so the public
 * endpoint applies it exactly as it does for forms embedded on other sites.
 */
export const handler = apiHandler(
  { public: true, params: z.object({ listId: z.string().max(40) }), query },
  async ({ params, query, deps }) => {
    const ctx = await loadPublicList(deps, parseId(params.listId));
    if (formUnavailable(ctx)) return new RawResponse(unavailablePage(ctx?.list.formLanguage ?? 'ko'));
    const search = new URLSearchParams(query).toString();
    const action = `${deps.publicBaseUrl}${FORM_ACTION_PATH(formPublicKey(deps, ctx!.list.listId))}${search ? `?${search}` : ''}`;
    return new RawResponse(formPage(ctx!, action, { values: query }));
  },
);
