/**
 * Issue 12: the crash-test harness itself (test/support/child-runtime.ts) and the CRASH_AT
 * kill points (shared/faults/crash-at.ts) the crash tests rely on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseCrashPlan } from '#shared/faults/crash-at';
import { isAlive, startChildRuntime, type ChildRuntime } from './support/child-runtime';
import { createList } from './support/lists';

describe('CRASH_AT plan', () => {
  it('reads <point>[:<n>] lists; a trailing number is the count, other colons belong to the name', () => {
    expect([...parseCrashPlan('import:write-page:after:3, send:mailed')]).toEqual([
      ['import:write-page:after', 3],
      ['send:mailed', 1],
    ]);
    expect(parseCrashPlan(undefined).size).toBe(0);
    expect(parseCrashPlan('x:0').size).toBe(0);
  });
});

describe('child runtime (npm start as a child process)', () => {
  let rt: ChildRuntime | undefined;
  afterAll(() => rt?.close());

  it('starts, is killed with SIGKILL (the whole tree, the JVM included) and restarts on the same data', async () => {
    rt = await startChildRuntime();
    await createList(rt.api, 'kept across kill -9');
    const jvm = rt.jvmPid();
    expect(jvm, rt.output()).toBeDefined();
    const firstPid = rt.pid;

    const exit = await rt.kill();
    expect(exit.signal).toBe('SIGKILL');
    expect(rt.processes()).toEqual([]);
    expect(isAlive(jvm!)).toBe(false);

    await rt.restart();
    expect(rt.pid).not.toBe(firstPid);
    const lists = await rt.api.get('/v1/lists');
    expect(lists.body.Ok, lists.text).toBe(true);
    expect(JSON.stringify(lists.body.Value)).toContain('kept across kill -9');
  }, 240_000);
});
