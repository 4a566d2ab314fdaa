import { importTask } from '#shared/imports/task-handler';
import { cleanup } from '#shared/imports/tasks';
import type { JobRef } from '#shared/imports/jobs';

/** SPEC I7, state `Cleanup`: the previous generation is deleted. */
export const handler = importTask('import-cleanup', (deps, input: JobRef) => cleanup(deps, input));
