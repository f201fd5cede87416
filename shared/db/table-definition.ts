// The single source of the tables' shape: CDK, `npm start` and the tests all build tables from this.

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Attributes copied into the index besides the keys; every attribute when absent. */
  include?: string[];
}

export interface TableDefinition {
  /** Stable logical id used for the CDK construct and as the local table-name stem. */
  logicalId: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: IndexDefinition[];
  timeToLiveAttribute?: string;
  stream?: 'NEW_AND_OLD_IMAGES';
}

/** Everything the hub stores, single-table style; access patterns are listed in the README. */
export const mainTable: TableDefinition = {
  logicalId: 'HubTable',
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'GSI1',
      partitionKey: { name: 'GSI1PK', type: 'S' },
      sortKey: { name: 'GSI1SK', type: 'S' },
    },
    {
      indexName: 'GSI2',
      partitionKey: { name: 'GSI2PK', type: 'S' },
      sortKey: { name: 'GSI2SK', type: 'S' },
    },
    // The grants of one upload, for its processing status: only what that needs is copied.
    {
      indexName: 'GSI3',
      partitionKey: { name: 'GSI3PK', type: 'S' },
      sortKey: { name: 'GSI3SK', type: 'S' },
      include: ['funderId', 'grantId', 'version', 'deleted', 'recipientCount'],
    },
  ],
  timeToLiveAttribute: 'ttl',
  // Later capabilities (gap rollups, incremental de-duplication) are driven from this stream.
  stream: 'NEW_AND_OLD_IMAGES',
};

/** Records of Idempotency-Key requests, in the layout Powertools' DynamoDB persistence layer expects. */
export const idempotencyTable: TableDefinition = {
  logicalId: 'IdempotencyTable',
  partitionKey: { name: 'id', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiration',
};

export const allTables = [mainTable, idempotencyTable] as const;
