// Grant records: a CURRENT item per (funder, grant) that the indexes list, plus one immutable item per version.
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../schemas/audit.ts';
import { type StoredGrant, StoredGrantSchema } from '../../schemas/grant.ts';
import { auditItem } from '../audit/audit-repository.ts';
import { withCondition } from '../db/conditions.ts';
import {
  GRANT_VERSION_PREFIX,
  grantCurrentKey,
  grantIndexKeys,
  grantPartition,
  grantVersionKey,
} from '../db/keys.ts';

/** What a grant query reads: one index partition, optionally a sort-key range, plus filters. */
export interface GrantQuery {
  indexName: string;
  partition: { attribute: string; value: string };
  sortRange?: { attribute: string; from: string; to: string };
  filters: Array<{ expression: string; values: Record<string, NativeAttributeValue> }>;
  limit: number;
  startKey?: Record<string, NativeAttributeValue> | undefined;
}

function searchableAttributes(stored: StoredGrant) {
  const record = stored.record;
  if (!record) return {};
  const awardDay = record.awardDate.slice(0, 10);
  return {
    visibility: record.visibility,
    themes: record.themes,
    regions: record.regions,
    recipientIds: (record.recipientOrganization ?? []).map((o) => o.id),
    awardYear: Number(awardDay.slice(0, 4)),
  };
}

function currentItem(stored: StoredGrant) {
  const indexKeys =
    stored.record && !stored.deleted
      ? grantIndexKeys(
          stored.funderId,
          stored.grantId,
          stored.record.awardDate.slice(0, 10),
          stored.record.visibility,
        )
      : {};
  return {
    ...grantCurrentKey(stored.funderId, stored.grantId),
    ...indexKeys,
    entity: 'grant',
    ...stored,
    ...searchableAttributes(stored),
  };
}

export function createGrantRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    async getCurrent(funderId: string, grantId: string): Promise<StoredGrant | null> {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: grantCurrentKey(funderId, grantId),
          ConsistentRead: true,
        }),
      );
      return out.Item ? StoredGrantSchema.parse(out.Item) : null;
    },

    /**
     * Writes version `stored.version` and moves CURRENT to it in one transaction, only if CURRENT is
     * still at `expectedVersion` (null: must not exist). A lost race throws ConditionFailedError and
     * writes nothing, so no accepted version is ever overwritten.
     */
    async writeVersion(
      stored: StoredGrant,
      expectedVersion: number | null,
      audit: AuditEvent[] = [],
    ): Promise<void> {
      await withCondition(`grant ${stored.funderId}/${stored.grantId} changed`, () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: currentItem(stored),
                  ...(expectedVersion === null
                    ? { ConditionExpression: 'attribute_not_exists(PK)' }
                    : {
                        ConditionExpression: 'version = :expected',
                        ExpressionAttributeValues: { ':expected': expectedVersion },
                      }),
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...grantVersionKey(stored.funderId, stored.grantId, stored.version),
                    entity: 'grant-version',
                    ...stored,
                  },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              ...audit.map((event) => ({ Put: { TableName: tableName, Item: auditItem(event) } })),
            ],
          }),
        ),
      );
    },

    async listVersions(funderId: string, grantId: string): Promise<StoredGrant[]> {
      const items: StoredGrant[] = [];
      let startKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
            ExpressionAttributeValues: {
              ':pk': grantPartition(funderId, grantId),
              ':prefix': GRANT_VERSION_PREFIX,
            },
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(out.Items ?? []).map((i) => StoredGrantSchema.parse(i)));
        startKey = out.LastEvaluatedKey;
      } while (startKey);
      return items;
    },

    /** One page of one index partition; the caller decides how many pages a request may read. */
    async queryPage(query: GrantQuery, mode: 'items' | 'count') {
      const names: Record<string, string> = { '#pk': query.partition.attribute };
      const values: Record<string, NativeAttributeValue> = { ':pk': query.partition.value };
      let keyCondition = '#pk = :pk';
      if (query.sortRange) {
        names['#sk'] = query.sortRange.attribute;
        values[':skFrom'] = query.sortRange.from;
        values[':skTo'] = query.sortRange.to;
        keyCondition += ' AND #sk BETWEEN :skFrom AND :skTo';
      }
      for (const filter of query.filters) Object.assign(values, filter.values);
      const filterExpression = query.filters.map((f) => f.expression).join(' AND ');
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: query.indexName,
          KeyConditionExpression: keyCondition,
          ...(filterExpression ? { FilterExpression: filterExpression } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          Limit: query.limit,
          ExclusiveStartKey: query.startKey,
          ...(mode === 'count' ? { Select: 'COUNT' as const } : {}),
        }),
      );
      return {
        items:
          mode === 'items'
            ? (out.Items ?? []).map((i) => ({ key: indexKeyOf(i, query), grant: StoredGrantSchema.parse(i) }))
            : [],
        count: out.Count ?? 0,
        lastKey: out.LastEvaluatedKey,
      };
    },
  };
}
export type GrantRepository = ReturnType<typeof createGrantRepository>;

/** The key DynamoDB needs to resume a query right after this item. */
function indexKeyOf(item: Record<string, NativeAttributeValue>, query: GrantQuery): Record<string, string> {
  const key: Record<string, string> = { PK: String(item.PK), SK: String(item.SK) };
  key[query.partition.attribute] = String(item[query.partition.attribute]);
  const sortAttribute = query.partition.attribute.replace(/PK$/, 'SK');
  key[sortAttribute] = String(item[sortAttribute]);
  return key;
}
