import type { File, Reporter, Task } from 'vitest';

/** Ends the run with the plain `N passed, N failed, N skipped` line that CI reads. */
export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = []) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const visit = (task: Task) => {
      if (task.type === 'suite') return task.tasks.forEach(visit);
      const state = task.result?.state;
      if (state === 'pass') passed++;
      else if (state === 'fail') failed++;
      else skipped++;
    };
    for (const f of files) f.tasks.forEach(visit);
    for (const f of files) if (f.result?.state === 'fail' && f.tasks.length === 0) failed++;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
