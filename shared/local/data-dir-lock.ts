/**
 * Issue 12: one process at a time on a data directory. `npm start` (and `npm run admin` when it
 * starts its own DynamoDB Local) creates `<dataDir>/runtime.lock` exclusively (O_EXCL) with its
 * pid and what it runs; a second start finds it, sees that process alive, and refuses with its
 * pid and URL instead of starting a second JVM on the same files. A lock whose process is gone
 * (kill -9) is stale: taken over, after the JVM it names is made sure to be dead too.
 *
 * "Alive" is the pid answering signal 0 and, on Linux, having the same start time as recorded
 * (/proc/<pid>/stat), so a pid reused by another program after a crash does not hold the lock.
 * Known limit: two starts that take over the same stale lock within the same instant may both
 * succeed (the check and the takeover are two steps); anything slower is refused.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'runtime.lock';

export interface LockHolder {
  pid: number;
  /** /proc start time of the process (clock ticks since boot), where there is a /proc. */
  startTicks: number | null;
  startedAt: string;
  command: string;
  url?: string;
  /** The DynamoDB Local JVM it runs, if any. */
  jvmPid?: number;
}

export class DataDirLocked extends Error {
  override readonly name = 'DataDirLocked';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The data directory ${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.startedAt}${holder.url ? `, API at ${holder.url}` : ''}). ` +
        `Stop it first (kill ${holder.pid}) or use another --data-dir.`,
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Records more about the holder (its URL, its JVM) for whoever finds the lock. */
  update(extra: Partial<Pick<LockHolder, 'url' | 'jvmPid'>>): void;
  release(): void;
}

function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return -1;
    return Number(fields[19]);
  } catch {
    return null;
  }
}

function alive(pid: number, ticks: number | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTicks(pid);
  if (now === -1) return false;
  return ticks === null || now === null || now === ticks;
}

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** A JVM left by a holder that died (its watcher kills it too, but perhaps not yet). */
async function endOrphanJvm(jvmPid: number | undefined) {
  if (!jvmPid || comm(jvmPid) !== 'java' || !commandLine(jvmPid).includes('DynamoDBLocal')) return;
  try {
    process.kill(jvmPid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(jvmPid, null); i++) await new Promise((r) => setTimeout(r, 50));
}

export async function acquireDataDirLock(dataDir: string, command: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  let holder: LockHolder = { pid: process.pid, startTicks: startTicks(process.pid), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, JSON.stringify(holder));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        file,
        update(extra) {
          if (released) return;
          holder = { ...holder, ...extra };
          writeFileSync(file, JSON.stringify(holder));
        },
        release() {
          if (released) return;
          released = true;
          // Only our own lock: never one a takeover gave to someone else.
          try {
            if ((JSON.parse(readFileSync(file, 'utf8')) as LockHolder).pid === process.pid) rmSync(file, { force: true });
          } catch {
            // Already gone.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    let found: LockHolder | undefined;
    try {
      found = JSON.parse(text) as LockHolder;
    } catch {
      // Cut short by a crash while it was written: nobody holds it.
    }
    if (found && found.pid !== process.pid && alive(found.pid, found.startTicks)) throw new DataDirLocked(dataDir, found);
    await endOrphanJvm(found?.jvmPid);
    // Take over only the stale lock we read, not one another start created meanwhile.
    if (existsSync(file) && readFileSync(file, 'utf8') === text) rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}`);
}
