/**
 * Named kill points for the crash tests (issue 12): `CRASH_AT=<point>[:<n>][,<point>[:<n>]…]`
 * makes the process SIGKILL itself the n-th time (default: the first) it reaches
 * `crashAt('<point>')`, as `kill -9` at that line would. Nothing is flushed, no handler runs:
 * what the crash tests then find on disk is what a real kill leaves.
 *
 * A trailing `:<digits>` is the count, so point names may contain colons
 * (`import:write-page:after:3` is the third pass through `import:write-page:after`).
 * Names are `<area>:<step>`; the code that calls `crashAt` is the list of points
 * (`grep -rn "crashAt(" shared`).
 *
 * Unset (every normal run) a pass costs one check of an empty map. It is never armed inside a
 * Lambda (AWS_LAMBDA_FUNCTION_NAME set): a stray variable must not kill production.
 */
export function parseCrashPlan(spec: string | undefined): Map<string, number> {
  const plan = new Map<string, number>();
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const counted = /^(.*):(\d+)$/.exec(part);
    const point = counted ? counted[1]! : part;
    const n = counted ? Number(counted[2]) : 1;
    if (point && n >= 1) plan.set(point, n);
  }
  return plan;
}

const plan = process.env.AWS_LAMBDA_FUNCTION_NAME ? new Map<string, number>() : parseCrashPlan(process.env.CRASH_AT);
const passes = new Map<string, number>();

/** The marker a crash writes to stderr first (test/support/child-runtime.ts looks for it). */
export const CRASH_MARKER = 'CRASH_AT: killed';

export function crashAt(point: string): void {
  if (!plan.size) return;
  const n = plan.get(point);
  if (n === undefined) return;
  const pass = (passes.get(point) ?? 0) + 1;
  passes.set(point, pass);
  if (pass !== n) return;
  // Synchronous on a pipe or file (Node's stderr), so the line is out before the signal lands.
  process.stderr.write(`${CRASH_MARKER} ${point} pass ${pass} pid ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}
