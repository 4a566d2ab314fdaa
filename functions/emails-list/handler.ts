import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { ApiError } from '#shared/http/errors';
import { limitParam, offsetParam, v2EmailsPage } from '#shared/http/v2-schemas';
import { pageEmails, parseTagIds } from '#shared/emails/emails';
import { emailV2View } from '#shared/emails/model';

const query = z.object({
  tagIds: z.string().max(1000).optional(),
  listId: z.string().regex(/^\d{1,15}$/, 'listId이 숫자가 아닙니다.').transform(Number).optional(),
  offset: offsetParam,
  limit: limitParam(20),
});

/** GET /v2/emails (the yml's getEmails): tagIds, listId, offset, limit ≤ 100 → {total, offset, limit, items}. */
export const handler = apiHandler({ query, response: v2EmailsPage }, async ({ query, workspaceId, deps }) => {
  if (query.limit > 100) throw new ApiError('EMAILS_PAGE_LIMIT');
  const page = await pageEmails(deps, workspaceId, {
    offset: query.offset,
    limit: query.limit,
    ...(query.listId !== undefined ? { listId: query.listId } : {}),
    ...(query.tagIds ? { tagIds: parseTagIds(query.tagIds) } : {}),
  });
  return { ...page, items: page.items.map((e) => emailV2View(e)) };
});
