import { importTask } from '#shared/imports/task-handler';
import { writePage } from '#shared/imports/tasks';
import type { JobRef } from '#shared/imports/jobs';

/** SPEC I7, state `WritePage` (inside the Map): one provider page into the new generation. */
export const handler = importTask('import-write-page', (deps, input: JobRef & { page: number; pageSize: number }) => writePage(deps, input));
