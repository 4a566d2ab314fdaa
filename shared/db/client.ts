import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@smithy/types';
import { tallyCapacity } from './capacity';

export interface DbClientOptions {
  /** DynamoDB Local's URL; absent in AWS. */
  readonly endpoint?: string;
  readonly region?: string;
}

const noop = () => undefined;
/** The SDK logger without `info`/`error`: see createDocumentClient. Also for the other local clients (shared/local/dynamodb-warmup.ts). */
export const quietLogger = { debug: noop, warn: noop, trace: noop } as unknown as Logger;

/** How JavaScript values become DynamoDB attributes, here and where items are marshalled by hand (shared/db/batch.ts). */
export const marshallOptions: Readonly<{ removeUndefinedValues: boolean }> = Object.freeze({ removeUndefinedValues: true });

export function createDocumentClient(options: DbClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? 'ap-northeast-2',
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          // DynamoDB Local accepts any credentials; fixed ones keep the SDK from searching.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    maxAttempts: 8,
    // The SDK's default no-op logger still has `info`, so every call first deep-copies its
    // input and output through the sensitive-data filter just to discard it (a tenth of the
    // CPU of a bulk import). Without `info`/`error` that work is skipped; nothing was logged anyway.
    logger: quietLogger,
  });
  // A copy: lib-dynamodb writes its own defaults (convertTopLevelContainer) into the object it gets.
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { ...marshallOptions } });
  // Issue 16: capacity units tallied per call only when asked for (benchmarks, a cost investigation).
  if (process.env.DYNAMODB_CAPACITY_TALLY === '1') tallyCapacity(doc);
  return doc;
}
