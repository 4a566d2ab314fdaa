/**
 * What invokes functions besides API Gateway, played from the template (issue 11): the table
 * stream's event-source mapping (records read from DynamoDB Local's own stream, passed through
 * the mapping's FilterCriteria, delivered in its batch size, after checking that the function's
 * role may read the stream) and EventBridge rules (the scheduled event, after checking the
 * Lambda permission the rule needs).
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT, REGION, type Assembly, type EventSourceMappingSpec, type FunctionSpec, type RuleSpec, type TableSpec } from './assembly';
import { passesFilters } from './filter-pattern';
import { isAllowed, matchesResource } from './iam';
import type { InvokeResult, LambdaService } from './lambda';

/** DynamoDB Local's streams API over plain HTTP (it does not check signatures; -sharedDb ignores the key). */
async function streamsCall<T>(endpoint: string, action: string, body: unknown): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDBStreams_20120810.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=bundletest/20240101/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const out = (await res.json()) as T;
  if (!res.ok) throw new Error(`DynamoDB Local streams ${action}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

async function describeTable(endpoint: string, table: string): Promise<{ LatestStreamArn?: string }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': 'DynamoDB_20120810.DescribeTable',
      Authorization: `AWS4-HMAC-SHA256 Credential=bundletest/20240101/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ TableName: table }),
  });
  return ((await res.json()) as { Table: { LatestStreamArn?: string } }).Table;
}

type StreamRecord = Record<string, unknown> & { eventName: string; dynamodb: Record<string, unknown> };

export interface Delivery {
  readonly read: number;
  readonly passed: readonly StreamRecord[];
  readonly results: readonly InvokeResult[];
}

/** The stream → function mapping, starting at LATEST like the template's (records written before start() are not delivered). */
export class StreamMapping {
  private streamArn = '';
  private readonly iterators = new Map<string, string | null>();

  constructor(
    private readonly endpoint: string,
    private readonly table: TableSpec,
    readonly mapping: EventSourceMappingSpec,
    private readonly fn: FunctionSpec,
    private readonly lambda: LambdaService,
    private readonly assembly: Assembly,
  ) {}

  /** The stream reads the mapping's role makes (Lambda polls with the function's role). */
  missingStreamGrants(): string[] {
    const statements = this.assembly.roleStatements.get(this.fn.roleArn) ?? [];
    return ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']
      .filter((a) => !isAllowed(statements, a, this.mapping.eventSourceArn))
      .concat(isAllowed(statements, 'dynamodb:ListStreams', this.mapping.eventSourceArn) || isAllowed(statements, 'dynamodb:ListStreams', '*') ? [] : ['dynamodb:ListStreams']);
  }

  async start(): Promise<void> {
    const described = await describeTable(this.endpoint, this.table.name);
    if (!described.LatestStreamArn) throw new Error(`table ${this.table.name} in DynamoDB Local has no stream`);
    this.streamArn = described.LatestStreamArn;
    for (const shard of await this.shards()) {
      const it = await streamsCall<{ ShardIterator: string }>(this.endpoint, 'GetShardIterator', { StreamArn: this.streamArn, ShardId: shard, ShardIteratorType: 'LATEST' });
      this.iterators.set(shard, it.ShardIterator);
    }
  }

  private async shards(): Promise<string[]> {
    const d = await streamsCall<{ StreamDescription: { Shards: Array<{ ShardId: string }> } }>(this.endpoint, 'DescribeStream', { StreamArn: this.streamArn });
    return d.StreamDescription.Shards.map((s) => s.ShardId);
  }

  /** Reads every record written since the last call and delivers those that pass the filters. */
  async deliver(source = 'dynamodb stream'): Promise<Delivery> {
    for (const shard of await this.shards()) {
      if (this.iterators.has(shard)) continue;
      // A shard that appeared after start() is read from its beginning.
      const it = await streamsCall<{ ShardIterator: string }>(this.endpoint, 'GetShardIterator', { StreamArn: this.streamArn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' });
      this.iterators.set(shard, it.ShardIterator);
    }
    const records: StreamRecord[] = [];
    for (const [shard, iterator] of this.iterators) {
      let it = iterator;
      while (it) {
        const out = await streamsCall<{ Records: StreamRecord[]; NextShardIterator?: string }>(this.endpoint, 'GetRecords', { ShardIterator: it, Limit: 1000 });
        records.push(...out.Records);
        const next = out.NextShardIterator ?? null;
        if (!out.Records.length) {
          this.iterators.set(shard, next);
          break;
        }
        it = next;
        this.iterators.set(shard, next);
      }
    }
    // What Lambda hands the function: the record as the stream has it, with the mapping's source ARN and region.
    const shaped = records.map((r) => ({ ...r, awsRegion: REGION, eventSourceARN: this.mapping.eventSourceArn }));
    const passed = shaped.filter((r) => passesFilters(this.mapping.patterns, r));
    const results: InvokeResult[] = [];
    for (let i = 0; i < passed.length; i += this.mapping.batchSize) {
      results.push(await this.lambda.invoke(this.fn, { Records: passed.slice(i, i + this.mapping.batchSize) }, source));
    }
    return { read: records.length, passed, results };
  }
}

/** Runs a rule's targets as EventBridge does for a schedule, if the template lets the rule invoke them. */
export async function fireRule(assembly: Assembly, lambda: LambdaService, rule: RuleSpec): Promise<Array<{ fn: FunctionSpec; result?: InvokeResult; refused?: string }>> {
  const out: Array<{ fn: FunctionSpec; result?: InvokeResult; refused?: string }> = [];
  for (const target of rule.targets) {
    const fn = lambda.byArnOrName(target.arn);
    const permitted = assembly.permissions.some((p) => p.functionArn === fn.arn && p.principal === 'events.amazonaws.com' && (!p.sourceArn || matchesResource(p.sourceArn, rule.arn)));
    if (!permitted) {
      out.push({ fn, refused: `no AWS::Lambda::Permission lets ${rule.arn} invoke ${fn.path}` });
      continue;
    }
    const event = target.input
      ? (JSON.parse(target.input) as unknown)
      : { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), region: REGION, resources: [rule.arn], detail: {} };
    out.push({ fn, result: await lambda.invoke(fn, event, `rule ${rule.scheduleExpression ?? rule.arn}`) });
  }
  return out;
}
