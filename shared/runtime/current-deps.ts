/**
 * The process's dependencies. The local runtime and the tests inject theirs with setDeps; a
 * Lambda, where nobody injects, builds them once from its environment with the AWS composition
 * root. A failed build (a Secrets Manager hiccup at a cold start) is not cached: the next
 * invocation builds again, so one bad read never breaks a warm container for good.
 */
import type { BuiltDeps, Deps } from './deps';

export type DepsFactory = () => Promise<BuiltDeps>;

let current: BuiltDeps | undefined;
let building: Promise<BuiltDeps> | undefined;
/** Lambda's: the AWS composition root, loaded only where nobody injected deps. */
const fromEnvironment: DepsFactory = async () => (await import('./aws-deps')).depsFromEnvironment();
let factory: DepsFactory = fromEnvironment;

export function setDeps(deps: Deps): void {
  current = { deps };
  building = undefined;
}

/** Replaces how deps are built when none were injected (tests of the cold-start path). */
export function setDepsFactory(next: DepsFactory): void {
  factory = next;
  current = undefined;
  building = undefined;
}

/** Forgets the current deps: the next getDeps builds from the environment as a cold start does. */
export function resetDeps(): void {
  setDepsFactory(fromEnvironment);
}

const fresh = (built: BuiltDeps | undefined): built is BuiltDeps =>
  built !== undefined && (built.rebuildAfterMs === undefined || Date.now() < built.rebuildAfterMs);

export async function getDeps(): Promise<Deps> {
  if (fresh(current)) return current.deps;
  building ??= factory().finally(() => (building = undefined));
  try {
    current = await building;
  } catch (error) {
    // A provisional set that cannot be rebuilt right now keeps serving; without one, this invocation fails.
    if (current) return current.deps;
    throw error;
  }
  return current.deps;
}
