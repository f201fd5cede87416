// Funder profiles: one item per funder, listed through the FUNDERS index partition.
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Funder, FunderSchema } from '../../schemas/tenancy.ts';
import { withCondition } from '../db/conditions.ts';
import { getItem, putIfAbsent } from '../db/items.ts';
import {
  FUNDERS_PARTITION,
  funderIndexKeys,
  funderKey,
  INDEX,
  subFundIndexKeys,
  subFundsPartition,
} from '../db/keys.ts';

export interface PageResult<T> {
  items: T[];
  lastKey: Record<string, unknown> | undefined;
}

export function createFunderRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    async get(funderId: string): Promise<Funder | null> {
      return getItem(doc, tableName, funderKey(funderId), FunderSchema);
    },

    /** Fails with ConditionFailedError when the id is taken. */
    async create(funder: Funder): Promise<void> {
      await putIfAbsent(
        doc,
        tableName,
        {
          ...funderKey(funder.id),
          ...funderIndexKeys(funder.id),
          ...(funder.subFundOf ? subFundIndexKeys(funder.subFundOf, funder.id) : {}),
          entity: 'funder',
          ...funder,
        },
        `funder ${funder.id}`,
      );
    },

    async update(
      funderId: string,
      changes: Partial<Pick<Funder, 'name' | 'identifiers' | 'status'>>,
      at: string,
    ) {
      const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
      const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
      const values: Record<string, unknown> = { ':updatedAt': at };
      const sets = ['#updatedAt = :updatedAt'];
      for (const [field, value] of entries) {
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
      const out = await withCondition(`funder ${funderId} missing`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: funderKey(funderId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return FunderSchema.parse(out.Attributes);
    },

    async list(limit: number, startKey?: Record<string, unknown>): Promise<PageResult<Funder>> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': FUNDERS_PARTITION },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      return { items: (out.Items ?? []).map((i) => FunderSchema.parse(i)), lastKey: out.LastEvaluatedKey };
    },

    async listSubFunds(collaborativeId: string): Promise<Funder[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI2,
          KeyConditionExpression: 'GSI2PK = :pk',
          ExpressionAttributeValues: { ':pk': subFundsPartition(collaborativeId) },
        }),
      );
      return (out.Items ?? []).map((i) => FunderSchema.parse(i));
    },
  };
}
export type FunderRepository = ReturnType<typeof createFunderRepository>;
