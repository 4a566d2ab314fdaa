/**
 * The single DynamoDB table, declared once. The CDK data construct and the local bootstrap
 * (shared/local/bootstrap-table.ts) both build the table from this object, and
 * docs/data-model.md mirrors it.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndex[];
  /** Epoch-seconds attribute DynamoDB expires items by (pending confirmations, idempotency). */
  readonly ttlAttribute: string;
}

export const tableDefinition: TableDefinition = {
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
  globalIndexes: [
    {
      // Collections sorted inside an owner: lists of a workspace, keys of a workspace,
      // subscribers of a list shard by status in subscription order.
      indexName: 'GSI1',
      partitionKey: { name: 'GSI1PK', type: 'S' },
      sortKey: { name: 'GSI1SK', type: 'S' },
      projection: 'ALL',
    },
  ],
  ttlAttribute: 'expiresAt',
};

export const defaultTableName = 'newsletter';
