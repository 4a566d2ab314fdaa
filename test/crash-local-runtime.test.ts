/**
 * Issue 12, point 7: the local runtime notices its database failing (docs/api.md, "When the
 * local database fails"): a killed JVM is restarted on its data (or the runtime exits 1 with
 * a message), writes are refused with STORAGE_FULL before the data disk is full (DynamoDB
 * Local would acknowledge writes it never stores), and a second `npm start` on a data dir in
 * use exits 1 naming the process that holds it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCatalog } from '#shared/http/errors';
import { freePort } from '#shared/local/dynamodb-local';
import { createStoreGuard, DEFAULT_MIN_FREE_BYTES } from '#shared/local/store-guard';
import { DEFAULT_MAX_RESTARTS, RESTART_WINDOW_MS } from '#shared/local/dynamodb-supervisor';
import { LOCK_FILE } from '#shared/local/data-dir-lock';
import { startTestApp, type TestApp } from './support/app';
import { createList, listBasics, withPhone } from './support/lists';
import { isAlive, spawnRuntime, startChildRuntime, until, type ChildRuntime } from './support/child-runtime';

const subscribe = (email: string) => ({ eventOccurredBy: 'MANUAL', confirmEmailYN: 'N', subscribers: [{ email }] });

describe('issue 12: docs/api.md, "When the local database fails"', () => {
  it('states the codes, the defaults and the exit code the runtime has', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'api.md'), 'utf8');
    expect(doc).toContain(`| \`STORAGE_FULL\` | ${errorCatalog.STORAGE_FULL.status} |`);
    expect(doc).toContain(`| \`DATABASE_UNAVAILABLE\` | ${errorCatalog.DATABASE_UNAVAILABLE.status} |`);
    expect(doc).toContain(`\`MIN_FREE_DISK_MB\`\n  (default ${DEFAULT_MIN_FREE_BYTES / 1024 ** 2})`);
    expect(doc).toContain(`\`DYNAMODB_MAX_RESTARTS\` times (default ${DEFAULT_MAX_RESTARTS}) within ${RESTART_WINDOW_MS / 1000} s`);
    expect(doc).toContain('exits with code **1**');
    expect(doc).toContain('exits with code 1 without starting a JVM');
  });
});

describe('issue 12: the store guard (in-process, a fault-injecting free-space probe)', () => {
  let app: TestApp | undefined;
  afterAll(() => app?.close());

  it('STORAGE_FULL (507) refuses every write before it reaches the database, reads go on; DATABASE_UNAVAILABLE (503) while the database is down', async () => {
    let free = 10 * 1024 ** 3;
    const guard = createStoreGuard({ dataDir: tmpdir(), minFreeBytes: 64 * 1024 ** 2, probe: async () => free, probeEveryMs: 0 });
    app = await startTestApp({ storeGuard: guard });
    const { api } = await app.newWorkspace();
    const listId = await createList(api, 'guarded');
    expect((await api.post(`/v1/lists/${listId}/subscribers`, subscribe('kept@example.com'))).body.Ok).toBe(true);

    free = 10 * 1024 ** 2;
    const refusedV1 = await api.post(`/v1/lists/${listId}/subscribers`, subscribe('lost@example.com'));
    expect(refusedV1.status).toBe(507);
    expect(refusedV1.body).toEqual({ Ok: false, Error: { Code: 'STORAGE_FULL', HttpStatusCode: 507, Message: errorCatalog.STORAGE_FULL.message }, Value: null });
    // v2 (issue 13): its own error object; a 5xx keeps its status (docs/api.md, "Service.Unavailable for 5xx").
    const refusedV2 = await api.post('/v2/lists', { name: 'not created', ...listBasics, fields: withPhone });
    expect(refusedV2.status).toBe(507);
    expect(refusedV2.json).toEqual({ code: 'stberror.Errors.Service.Unavailable', httpStatusCode: 507, message: errorCatalog.STORAGE_FULL.message });
    expect((await api.get('/v1/lists')).text).not.toContain('not created');
    expect(guard.paused).toBe(true);
    // The v1 count is an integer (issue 13, reference/api-webhook_list-api_2024-04-18.md).
    const read = await api.get<number>(`/v1/lists/${listId}/subscribers/count?status=S`);
    expect(read.body.Value).toBe(1);

    free = 10 * 1024 ** 3;
    expect((await api.post(`/v1/lists/${listId}/subscribers`, subscribe('later@example.com'))).body.Ok).toBe(true);
    expect((await api.get<number>(`/v1/lists/${listId}/subscribers/count?status=S`)).body.Value).toBe(2);

    guard.databaseDown('test: the JVM exited');
    const down = await api.get(`/v1/lists/${listId}/subscribers/count`);
    expect(down.status).toBe(503);
    expect(down.body.Error).toMatchObject({ Code: 'DATABASE_UNAVAILABLE', HttpStatusCode: 503 });
    expect(guard.paused).toBe(true);
    guard.databaseRestored();
    expect((await api.get(`/v1/lists/${listId}/subscribers/count`)).body.Ok).toBe(true);
  });
});

describe('issue 12: the local runtime and its database (child process)', () => {
  let rt: ChildRuntime | undefined;
  afterEach(async () => {
    await rt?.close();
    rt = undefined;
  });

  it('the JVM killed alone is restarted on the same data: requests answer 503 DATABASE_UNAVAILABLE or succeed, never 500, and recover; no log line per tick', async () => {
    rt = await startChildRuntime();
    const listId = await createList(rt.api, 'before the JVM died');
    const jvm = rt.jvmPid()!;
    expect(jvm).toBeDefined();
    process.kill(jvm, 'SIGKILL');

    const statuses = new Set<number>();
    await until(async () => {
      const res = await rt!.api.get(`/v1/lists/${listId}/groups`);
      statuses.add(res.status);
      return res.status === 200 && rt!.jvmPid() !== undefined && rt!.jvmPid() !== jvm;
    }, 'the API to answer again on a new JVM', 180_000, 100);
    expect([...statuses].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(isAlive(jvm)).toBe(false);

    // The same data, and writes work again.
    const lists = await rt.api.get('/v1/lists');
    expect(lists.text).toContain('before the JVM died');
    expect((await rt.api.post(`/v1/lists/${listId}/subscribers`, subscribe('after@example.com'))).body.Ok).toBe(true);
    const output = rt.output();
    expect(output).toContain('DynamoDB Local died; restarting it on the same data');
    expect(output).toContain('DynamoDB Local restarted');
    const errorLines = output.split('\n').filter((l) => l.includes('"level":"ERROR"'));
    expect(errorLines.length, errorLines.join('\n')).toBeLessThan(10);
    expect(JSON.parse(readFileSync(join(rt.dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: rt.pid, jvmPid: rt.jvmPid() });
  }, 900_000);

  it('a JVM that keeps dying (DYNAMODB_MAX_RESTARTS=0 here) makes the runtime exit 1 with a message saying so', async () => {
    rt = await startChildRuntime({ env: { DYNAMODB_MAX_RESTARTS: '0' } });
    process.kill(rt.jvmPid()!, 'SIGKILL');
    const exit = await rt.exited;
    expect(exit.code, rt.output()).toBe(1);
    expect(rt.output()).toMatch(/npm start: DynamoDB Local \(pid \d+\) exited with code 137 \(killed by signal 9\): 1 deaths within 60 s, more than the 0 restarts allowed \(DYNAMODB_MAX_RESTARTS\); giving up/);
    await until(() => rt!.processes().length === 0, 'the process tree to end', 30_000);
  }, 900_000);

  it('a second start on a data dir in use exits 1 naming the process that holds it, without starting a JVM; after kill -9 the lock is taken over', async () => {
    rt = await startChildRuntime();
    const second = spawnRuntime({ dataDir: rt.dataDir, port: await freePort() });
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(second.output()).toContain(`The data directory ${rt.dataDir} is in use by process ${rt.pid}`);
    expect(second.output()).toContain(`API at ${rt.url}`);
    expect(second.output()).not.toContain('DynamoDB');
    expect((await rt.api.get('/v1/lists')).body.Ok).toBe(true);

    await rt.kill();
    expect(JSON.parse(readFileSync(join(rt.dataDir, LOCK_FILE), 'utf8')).pid).not.toBe(undefined);
    await rt.restart();
    expect(JSON.parse(readFileSync(join(rt.dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: rt.pid });
  }, 900_000);
});

describe('issue 12: a full data disk (child process on a small tmpfs)', () => {
  let rt: ChildRuntime | undefined;
  let mountPoint: string | undefined;
  afterAll(async () => {
    await rt?.close();
    if (mountPoint) {
      // Lazily: a process of the killed tree may still be closing its files.
      execFileSync('umount', ['-l', mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it('writes are refused with STORAGE_FULL while the disk has under MIN_FREE_DISK_MB free; nothing acknowledged is lost, after a kill -9 too', async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'newsletter-disk-'));
    // Root can mount a tmpfs on these machines; where it cannot, a fault-injecting probe stands in.
    let overrideFile: string | undefined;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch {
      mountPoint = undefined;
      overrideFile = join(mkdtempSync(join(tmpdir(), 'newsletter-free-')), 'free-bytes');
      writeFileSync(overrideFile, String(10 * 1024 ** 3));
    }
    const dataDir = mountPoint ? join(mountPoint, 'data') : mkdtempSync(join(tmpdir(), 'newsletter-disk-'));
    rt = await startChildRuntime({ dataDir, env: { MIN_FREE_DISK_MB: '64', ...(overrideFile ? { FREE_SPACE_OVERRIDE_FILE: overrideFile } : {}) } });
    const listId = await createList(rt.api, 'on a small disk');
    expect((await rt.api.post(`/v1/lists/${listId}/subscribers`, subscribe('before@example.com'))).body.Ok).toBe(true);

    // Fill the disk until 32 MB are left.
    const filler = join(mountPoint ?? dataDir, 'filler');
    const fill = () => {
      if (overrideFile) return writeFileSync(overrideFile, String(32 * 1024 ** 2));
      const s = statfsSync(mountPoint!);
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(1024 * 1024);
      for (let left = s.bavail * s.bsize - 32 * 1024 ** 2; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
      closeSync(fd);
    };
    fill();
    // The guard probes the disk on its own (the background loops ask it every tick): a write sent
    // before it noticed would be accepted, rightly, since there was room when it was written.
    await until(() => rt!.output().includes('the data disk is nearly full'), 'the guard to notice the full disk', 30_000, 100);
    const refused = await rt.api.post(`/v1/lists/${listId}/subscribers`, subscribe('refused@example.com'));
    expect(refused.body.Error).toMatchObject({ Code: 'STORAGE_FULL', HttpStatusCode: 507 });
    const refusedV2 = await rt.api.post('/v2/lists', { name: 'not on a full disk', ...listBasics, fields: withPhone });
    expect(refusedV2.status).toBe(507);
    expect(refusedV2.error).toMatchObject({ code: 'stberror.Errors.Service.Unavailable', httpStatusCode: 507 });
    const read = await rt.api.get<number>(`/v1/lists/${listId}/subscribers/count?status=S`);
    expect(read.body.Value).toBe(1);

    // Space freed: writes are accepted again, and what was acknowledged survives kill -9.
    if (overrideFile) writeFileSync(overrideFile, String(10 * 1024 ** 3));
    else rmSync(filler);
    await until(async () => (await rt!.api.post(`/v1/lists/${listId}/subscribers`, subscribe('after@example.com'))).body.Ok, 'writes to be accepted again', 30_000, 100);
    const acknowledged = (await rt.api.get(`/v1/lists/${listId}/subscribers`)).text;
    await rt.kill();
    await rt.restart();
    const all = await rt.api.get(`/v1/lists/${listId}/subscribers`);
    const count = await rt.api.get<number>(`/v1/lists/${listId}/subscribers/count?status=S`);
    expect(count.body.Value, `before the kill: ${acknowledged}\nafter: ${all.text}`).toBe(2);
    expect(all.text).toContain('before@example.com');
    expect(all.text).toContain('after@example.com');
    expect(all.text).not.toContain('refused@example.com');
    expect((await rt.api.get('/v1/lists')).text).not.toContain('not on a full disk');
  }, 900_000);
});
