import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { emailIdParams, okText } from '#shared/http/v2-schemas';
import { changeTags, parseTagIds } from '#shared/emails/emails';

/** POST /v2/emails/{id}/tags/release (the yml's releaseEmailTags): `?tagIds=1,2` → `ok`. */
export const handler = apiHandler(
  { params: emailIdParams, query: z.object({ tagIds: z.string().max(1000) }), response: okText },
  async ({ params, query, workspaceId, deps }) => {
    await changeTags(deps, workspaceId, params.emailId, parseTagIds(query.tagIds), 'release');
  },
);
