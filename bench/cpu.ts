/**
 * Issue 16: CPU seconds, which a loaded machine changes far less than wall seconds (on 2 cores
 * shared with other work a run waits for the cores, but needs about the same CPU to finish). The
 * DynamoDB Local JVM is read from /proc as the tree under its wrapper's pid; Node from
 * `process.cpuUsage`. Linux only; elsewhere the JVM's figure is absent.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** utime + stime of `pid` and every descendant, in seconds (undefined without /proc). */
export function treeCpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  let stats: Array<{ pid: number; ppid: number; ticks: number }>;
  try {
    stats = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => {
        try {
          // The command name may hold spaces and parentheses: fields are counted after the last ')'.
          const raw = readFileSync(`/proc/${d}/stat`, 'utf8');
          const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
          return [{ pid: Number(d), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) }];
        } catch {
          return [];
        }
      });
  } catch {
    return undefined;
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) if (!tree.has(s.pid) && tree.has(s.ppid)) (tree.add(s.pid), (grew = true));
  }
  return stats.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0) / TICKS_PER_SECOND;
}

export interface CpuMeter {
  /** CPU seconds since the meter started: the database's and this process's. */
  read(): { dynamoDbLocal?: number; node: number };
}

export function cpuMeter(dynamoPid: number | undefined): CpuMeter {
  const db0 = treeCpuSeconds(dynamoPid);
  const node0 = process.cpuUsage();
  return {
    read() {
      const db = treeCpuSeconds(dynamoPid);
      const node = process.cpuUsage(node0);
      return { ...(db !== undefined && db0 !== undefined ? { dynamoDbLocal: db - db0 } : {}), node: (node.user + node.system) / 1e6 };
    },
  };
}
