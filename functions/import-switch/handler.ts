import { importTask } from '#shared/imports/task-handler';
import { switchGeneration, type PageResult } from '#shared/imports/tasks';
import type { JobRef } from '#shared/imports/jobs';

/** SPEC I4, I7, state `Switch`: the import's one atomic commit. */
export const handler = importTask('import-switch', (deps, input: JobRef & { pageResults: PageResult[] }) => switchGeneration(deps, input));
