/**
 * Issue 12: the local runtime's database is watched for its whole life. When the DynamoDB
 * Local JVM exits without being asked to, the supervisor says so (`onDown`: the store guard
 * then answers DATABASE_UNAVAILABLE at once instead of a 500 per request) and starts it again
 * on the same data dir and port (`onUp` once it answers). An in-memory database is not
 * restarted (its data died with it), and a JVM that dies `maxRestarts` times within `windowMs`,
 * or will not start again, is given up: `onFatal` gets a message for the operator and
 * `npm start` exits non-zero (docs/api.md, "When the local database fails").
 */
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { logger } from '#shared/logger';

/** Deaths within RESTART_WINDOW_MS that are restarted; one more is fatal (docs/api.md). */
export const DEFAULT_MAX_RESTARTS = 3;
export const RESTART_WINDOW_MS = 60_000;

export interface SupervisorOptions {
  /** What each JVM is started with (a restart adds the first one's port). Without `dataDir` it runs in memory and a death is fatal. */
  readonly dynamo: Parameters<typeof startDynamoDbLocal>[0] & {};
  readonly maxRestarts?: number;
  readonly windowMs?: number;
  readonly onDown?: (reason: string) => void;
  readonly onUp?: () => void;
  readonly onFatal: (message: string) => void;
  /** Starts one JVM (tests replace it). */
  readonly start?: typeof startDynamoDbLocal;
}

export interface SupervisedDynamoDb {
  readonly endpoint: string;
  /** The current JVM's wrapper process. */
  readonly pid: number | undefined;
  /** JVM restarts so far. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export async function superviseDynamoDbLocal(options: SupervisorOptions): Promise<SupervisedDynamoDb> {
  const start = options.start ?? startDynamoDbLocal;
  const maxRestarts = options.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  const windowMs = options.windowMs ?? RESTART_WINDOW_MS;
  const dataDir = options.dynamo.dataDir;
  let current: DynamoDbLocal = await start(options.dynamo);
  const port = current.port;
  let stopping = false;
  let restarts = 0;
  const deaths: number[] = [];

  const watch = (db: DynamoDbLocal) => {
    void db.exited.then(async ({ code, signal, output }) => {
      if (stopping || db !== current) return;
      // The wrapper's sh answers a JVM killed by signal N with code 128 + N.
      const how = signal ? `signal ${signal}` : code !== null && code > 128 ? `code ${code} (killed by signal ${code - 128})` : `code ${code}`;
      const reason = `DynamoDB Local (pid ${db.pid}) exited with ${how}`;
      options.onDown?.(reason);
      await db.stop();
      if (!dataDir) {
        return options.onFatal(`${reason}. It ran in memory, so its data is gone; stopping.`);
      }
      const now = Date.now();
      deaths.push(now);
      while (deaths.length && deaths[0]! < now - windowMs) deaths.shift();
      if (deaths.length > maxRestarts) {
        return options.onFatal(
          `${reason}: ${deaths.length} deaths within ${Math.round(windowMs / 1000)} s, more than the ${maxRestarts} restarts allowed (DYNAMODB_MAX_RESTARTS); giving up. Its last output:\n${output}`,
        );
      }
      logger.error('DynamoDB Local died; restarting it on the same data', { reason, dataDir, port });
      try {
        const next = await start({ ...options.dynamo, port });
        if (stopping) return void (await next.stop());
        current = next;
        restarts++;
        watch(next);
        logger.warn('DynamoDB Local restarted', { pid: next.pid, port, restarts });
        options.onUp?.();
      } catch (error) {
        options.onFatal(`${reason} and could not be started again on port ${port}: ${(error as Error).message}`);
      }
    });
  };
  watch(current);

  return {
    endpoint: current.endpoint,
    get pid() {
      return current.pid;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}
