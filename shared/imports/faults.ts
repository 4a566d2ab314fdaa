/**
 * Crash points of the import (tests arm them to prove every step is all-or-nothing). Unarmed,
 * `crashPoint` does nothing; armed, it throws as a Lambda that died at that line would fail.
 * Only the in-process runtime (tests) arms them. Each is also the kill point `import:<point>`
 * of shared/faults/crash-at.ts (CRASH_AT), where the whole process dies instead of the task.
 */
import { crashAt } from '#shared/faults/crash-at';

export const crashPoints = [
  'prepare',
  'write-page:before',
  'write-page:after',
  'switch:before',
  'switch:after-commit',
  'cleanup',
  'compensate:before',
  'compensate:after-release',
] as const;
export type CrashPoint = (typeof crashPoints)[number];

const armed = new Map<CrashPoint, number>();

export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}

/** The next `times` passes through `point` throw. */
export function armCrash(point: CrashPoint, times = 1): void {
  armed.set(point, times);
}

export function disarmAll(): void {
  armed.clear();
}

export function crashPoint(point: CrashPoint): void {
  crashAt(`import:${point}`);
  const left = armed.get(point) ?? 0;
  if (left <= 0) return;
  armed.set(point, left - 1);
  throw new InjectedCrash(`injected crash at ${point}`);
}
