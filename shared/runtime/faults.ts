/**
 * Failure points of the shared loops and the subscriber writes (issue 12), as
 * shared/imports/faults.ts has them for imports: unarmed, `faultPoint` does nothing; armed, it
 * throws as a database error or a bug at that line would. Only the in-process runtime (tests)
 * arms them. `when` narrows a fault to one tenant's work, to prove the others go on.
 */
export const faultPoints = [
  /** Before each subscriber transaction of a request (shared/subscribers/store.ts). */
  'subscribers:transaction',
  /** Before the events worker fans a batch out into deliveries (context: listId, workspaceId). */
  'worker:fan-out',
  /** Before the events worker hands a batch's facts to the automated emails (context: listId, workspaceId). */
  'worker:facts',
] as const;
export type FaultPoint = (typeof faultPoints)[number];

export interface FaultContext {
  listId?: number;
  workspaceId?: string;
}

interface Armed {
  /** Passes to let through before the first failure. */
  after: number;
  /** Failures left; Infinity for a permanent fault. */
  times: number;
  when?: (context: FaultContext) => boolean;
}

const armed = new Map<FaultPoint, Armed>();

export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

export function armFault(point: FaultPoint, options: { after?: number; times?: number; when?: (context: FaultContext) => boolean } = {}): void {
  armed.set(point, { after: options.after ?? 0, times: options.times ?? 1, ...(options.when ? { when: options.when } : {}) });
}

export function disarmFaults(): void {
  armed.clear();
}

export function faultPoint(point: FaultPoint, context: FaultContext = {}): void {
  const fault = armed.get(point);
  if (!fault || fault.times <= 0) return;
  if (fault.when && !fault.when(context)) return;
  if (fault.after > 0) {
    fault.after--;
    return;
  }
  fault.times--;
  throw new InjectedFault(`injected fault at ${point}`);
}
