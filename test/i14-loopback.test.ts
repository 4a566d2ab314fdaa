/**
 * Issue 14, "`npm start` exposes the database" (docs/security.md, "The network"): nothing
 * `npm start` starts is reachable from another host. DynamoDB Local's jar has no option for
 * its address and listens on every interface; shared/local/LoopbackDynamoDbLocal.java binds it
 * to 127.0.0.1. Checked where an attacker on the network would meet it: the listening sockets
 * of the whole process tree (Node, the java wrapper, the JVM), read from /proc/net/tcp{,6}.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readlinkSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_INTERFACES_FLAG, dynamoDbLocalEntry } from '#shared/local/dynamodb-local-loopback';
import { isJvm, startChildRuntime, type ChildRuntime } from './support/child-runtime';

interface Listener {
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

/** An address of /proc/net/tcp6: four 32-bit words, each in host (little-endian) byte order. */
function ipv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') return `::ffff:${bytes.slice(12).join('.')}`;
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Every listening TCP socket of this network namespace. */
function listeners(): Listener[] {
  const out: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A') continue; // TCP_LISTEN
      const [addr, port] = cols[1]!.split(':') as [string, string];
      const address = file.endsWith('6') ? ipv6(addr) : addr.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join('.');
      out.push({ address, port: parseInt(port, 16), inode: cols[9]! });
    }
  }
  return out;
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

const isLoopback = (address: string) => /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);

describe('issue 14: nothing `npm start` starts listens beyond the loopback interface', () => {
  let rt: ChildRuntime;
  beforeAll(async () => {
    rt = await startChildRuntime();
  }, 180_000);
  afterAll(() => rt?.close());

  it("every listening socket of the runtime's process tree (Node, the java wrapper, the DynamoDB Local JVM) is on 127.0.0.1 or ::1", () => {
    const pids = rt.processes();
    const jvm = rt.jvmPid();
    expect(jvm, 'the DynamoDB Local JVM is in the tree').toBeDefined();
    const held = new Map<string, number>();
    for (const pid of pids) for (const inode of socketInodes(pid)) held.set(inode, pid);
    const own = listeners()
      .filter((l) => held.has(l.inode))
      .map((l) => ({ ...l, pid: held.get(l.inode)!, jvm: isJvm(held.get(l.inode)!) }));

    const dynamoPort = Number(new URL(rt.ready.dynamoEndpoint).port);
    const apiPort = Number(new URL(rt.url).port);
    // The three that must exist: the database, the API, the Sixshop/Donus simulators.
    expect(own.find((l) => l.jvm && l.port === dynamoPort), `the JVM listens on ${dynamoPort}`).toBeDefined();
    expect(own.find((l) => l.port === apiPort)).toBeDefined();
    expect(own.find((l) => l.port === Number(new URL(rt.ready.simulatorUrl!).port))).toBeDefined();
    expect(own.filter((l) => !isLoopback(l.address)), JSON.stringify(own)).toEqual([]);
  });

  it("the database does not answer on this host's other addresses", async () => {
    const dynamoPort = Number(new URL(rt.ready.dynamoEndpoint).port);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i!.address);
    for (const address of external) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: address, port: dynamoPort, timeout: 5000 });
        socket.once('connect', () => (socket.destroy(), resolve('connected')));
        socket.once('timeout', () => (socket.destroy(), resolve('timeout')));
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome, `${address}:${dynamoPort}`).not.toBe('connected');
    }
    // And it still answers where the runtime reaches it.
    expect((await fetch(rt.ready.dynamoEndpoint)).status).toBeLessThan(500);
  });
});

describe('issue 14: a Java that cannot build the loopback launcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopback-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`refuses to start DynamoDB Local unless ${ALL_INTERFACES_FLAG}=yes says the operator accepts every interface`, async () => {
    const noCompiler = { cacheDir: dir, java: join(dir, 'no-such-java') };
    await expect(dynamoDbLocalEntry({ ...noCompiler, env: {} })).rejects.toThrow(`set ${ALL_INTERFACES_FLAG}=yes to accept that`);
    const accepted = await dynamoDbLocalEntry({ ...noCompiler, env: { [ALL_INTERFACES_FLAG]: 'yes' } });
    expect(accepted.loopbackOnly).toBe(false);
    expect(accepted.args).toContain('-jar');
  });

  it('with the compiler module, builds the launcher and runs it in place of the jar’s main', async () => {
    const entry = await dynamoDbLocalEntry({ cacheDir: dir, env: {} });
    expect(entry.loopbackOnly).toBe(true);
    expect(entry.args.at(-1)).toBe('LoopbackDynamoDbLocal');
    expect(entry.args).not.toContain('-jar');
  }, 120_000);
});
