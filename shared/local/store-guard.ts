/**
 * Issue 12: the local runtime's guard in front of DynamoDB Local, installed as a middleware of
 * the runtime's DynamoDB client so that every caller (API handlers, the worker, the scheduler,
 * import tasks) goes through it.
 *
 * - Free space. DynamoDB Local acknowledges writes it never stores when its disk is full, so
 *   the check must come before the write: every write command (Put, Update, Delete,
 *   BatchWrite, TransactWrite, table changes) first looks at the free space of the data dir's
 *   file system (statfs, at most every `probeEveryMs`) and is refused with STORAGE_FULL (507)
 *   while it is under `minFreeBytes`. Reads go on. Nothing is written, so nothing is lost.
 * - Database down. While the supervisor (shared/local/dynamodb-supervisor.ts) restarts a JVM
 *   that died, every command is refused at once with DATABASE_UNAVAILABLE (503), and a
 *   connection error on the way is answered the same way rather than as INTERNAL_ERROR.
 *
 * `paused` tells the background loops to skip their ticks meanwhile (no log line per tick);
 * each change of state is logged once.
 */
import { statfs } from 'node:fs/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApiError } from '#shared/http/errors';
import { logger } from '#shared/logger';

export const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'ExecuteStatementCommand',
  'BatchExecuteStatementCommand',
  'ExecuteTransactionCommand',
  'CreateTableCommand',
  'UpdateTableCommand',
  'DeleteTableCommand',
  'UpdateTimeToLiveCommand',
]);

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
export type FreeSpaceProbe = (dir: string) => Promise<number>;

export const statfsProbe: FreeSpaceProbe = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

export interface StoreGuardOptions {
  /** The directory whose file system DynamoDB Local writes to. */
  readonly dataDir: string;
  /** Writes are refused under this many free bytes (MIN_FREE_DISK_MB; default 64 MB). */
  readonly minFreeBytes?: number;
  readonly probe?: FreeSpaceProbe;
  readonly probeEveryMs?: number;
}

export interface StoreGuard {
  /** Background loops skip their work while true. */
  readonly paused: boolean;
  readonly databaseUp: boolean;
  databaseDown(reason: string): void;
  databaseRestored(): void;
  /** Throws the refusal a command would get now, if any. */
  check(commandName: string): Promise<void>;
  /** Puts the guard in front of every command of `db`. */
  install(db: DynamoDBDocumentClient): void;
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const isNetworkError = (error: unknown) => {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  return NETWORK_ERRORS.has(e?.code ?? '') || NETWORK_ERRORS.has(e?.cause?.code ?? '');
};

export function createStoreGuard(options: StoreGuardOptions): StoreGuard {
  const minFree = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const probe = options.probe ?? statfsProbe;
  const every = options.probeEveryMs ?? 100;
  let database: { up: true } | { up: false; reason: string } = { up: true };
  let full = false;
  let probedAt = 0;
  let probing: Promise<void> | undefined;

  const probeNow = () =>
    (probing ??= (async () => {
      try {
        const free = await probe(options.dataDir);
        const nowFull = free < minFree;
        if (nowFull !== full) {
          if (nowFull) logger.error('the data disk is nearly full: writes are refused (STORAGE_FULL) until space is freed', { dataDir: options.dataDir, freeBytes: free, minFreeBytes: minFree });
          else logger.warn('the data disk has room again: writes accepted', { dataDir: options.dataDir, freeBytes: free });
        }
        full = nowFull;
      } catch (error) {
        // A probe that cannot tell refuses nothing: the disk may be fine, and an answer comes next time.
        logger.warn('free-space probe failed', { dataDir: options.dataDir, error: (error as Error).message });
      } finally {
        probedAt = Date.now();
        probing = undefined;
      }
    })());

  const guard: StoreGuard = {
    get paused() {
      if (Date.now() - probedAt > every) void probeNow();
      return !database.up || full;
    },
    get databaseUp() {
      return database.up;
    },
    databaseDown(reason) {
      if (database.up) logger.error('the database is down: requests answer DATABASE_UNAVAILABLE until it is back', { reason });
      database = { up: false, reason };
    },
    databaseRestored() {
      if (!database.up) logger.warn('the database is back');
      database = { up: true };
    },
    async check(commandName) {
      if (!database.up) throw new ApiError('DATABASE_UNAVAILABLE', database.reason);
      if (!WRITE_COMMANDS.has(commandName)) return;
      if (Date.now() - probedAt > every) await probeNow();
      if (full) throw new ApiError('STORAGE_FULL');
    },
    install(db) {
      db.middlewareStack.add(
        (next, context) => async (args) => {
          await guard.check(String(context.commandName ?? ''));
          try {
            return await next(args);
          } catch (error) {
            if (!database.up || isNetworkError(error)) throw new ApiError('DATABASE_UNAVAILABLE', (error as Error).message);
            throw error;
          }
        },
        { step: 'initialize', name: 'localStoreGuard', priority: 'high' },
      );
    },
  };
  return guard;
}
