import { importTask } from '#shared/imports/task-handler';
import { prepare } from '#shared/imports/tasks';
import type { JobRef } from '#shared/imports/jobs';

/** SPEC I7, state `Prepare`: connection checked, pages counted, stale generations deleted. */
export const handler = importTask('import-prepare', (deps, input: JobRef) => prepare(deps, input));
