import { apiHandler } from '#shared/http/api-handler';
import { listIdParams } from '#shared/http/schemas';
import { jobView, startImport } from '#shared/imports/jobs';

/**
 * SPEC I3 (불러오기): starts importing the provider's members into a linked list and answers the
 * job at once; while one runs, the same running job is answered (`alreadyRunning`).
 */
export const handler = apiHandler({ params: listIdParams }, async ({ params, workspaceId, deps }) => {
  const { job, alreadyRunning } = await startImport(deps, workspaceId, params.listId);
  return { ...jobView(job), alreadyRunning };
});
