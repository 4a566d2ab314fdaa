import { z } from 'zod';
import { apiHandler } from '#shared/http/api-handler';
import { numericId } from '#shared/http/schemas';
import { getJob, jobView } from '#shared/imports/jobs';

const params = z.object({ listId: numericId, jobId: z.string().regex(/^[a-z0-9]{1,40}$/, 'a job id') });

/** SPEC I3: an import job's status and progress (members read, written). */
export const handler = apiHandler({ params }, async ({ params, workspaceId, deps }) =>
  jobView(await getJob(deps, workspaceId, params.listId, params.jobId)),
);
