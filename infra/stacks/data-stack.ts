// Stateful stack: the tables and their encryption key. Everything here is retained on stack deletion.
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { idempotencyTable, mainTable } from '../../shared/db/table-definition.ts';
import { HubTable } from '../constructs/hub-table.ts';

export class DataStack extends Stack {
  readonly table: Table;
  readonly idempotencyTable: Table;
  readonly key: Key;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.key = new Key(this, 'DataKey', {
      description: 'Encrypts funders’ grant data in the donor data hub tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table = new HubTable(this, mainTable.logicalId, {
      definition: mainTable,
      encryptionKey: this.key,
    }).table;
    this.idempotencyTable = new HubTable(this, idempotencyTable.logicalId, {
      definition: idempotencyTable,
      encryptionKey: this.key,
    }).table;
    // For the operator's scripts (infra/bootstrap-operator.ts, npm run rebuild:gaps).
    new CfnOutput(this, 'HubTableName', { value: this.table.tableName, description: 'TABLE_NAME' });
    new CfnOutput(this, 'IdempotencyTableName', {
      value: this.idempotencyTable.tableName,
      description: 'IDEMPOTENCY_TABLE_NAME',
    });
  }
}
