import { importTask } from '#shared/imports/task-handler';
import { compensate } from '#shared/imports/tasks';
import type { JobRef } from '#shared/imports/jobs';

/** SPEC I4, I7, state `Compensate`: a failed import is undone (the list never saw it). */
export const handler = importTask('import-compensate', (deps, input: JobRef & { error?: { Error?: string; Cause?: string } }) => compensate(deps, input));
