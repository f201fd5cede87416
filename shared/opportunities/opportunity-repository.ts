// Storage of co-funding asks and pledges. Every write is conditional on what was read (a revision or absence),
// and a pledge is written only while its ask is open, checked in the same transaction.
import {
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type StoredOpportunity,
  StoredOpportunitySchema,
  type StoredPledge,
  StoredPledgeSchema,
} from '../../schemas/opportunity.ts';
import { withCondition } from '../db/conditions.ts';
import { putIfAbsent } from '../db/items.ts';
import {
  INDEX,
  opportunityIndexKeys,
  opportunityKey,
  opportunityPartition,
  PLEDGE_PREFIX,
  pledgeKey,
} from '../db/keys.ts';

export function opportunityItem(o: StoredOpportunity) {
  return {
    ...opportunityKey(o.id),
    ...opportunityIndexKeys(o.funderId, o.id, o.deadline.slice(0, 10), o.visibility),
    entity: 'opportunity',
    ...o,
  };
}

export interface OpportunityPage {
  items: StoredOpportunity[];
  lastKey: Record<string, NativeAttributeValue> | undefined;
}

export function createOpportunityRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    async create(o: StoredOpportunity): Promise<void> {
      await putIfAbsent(doc, tableName, opportunityItem(o), `opportunity ${o.id}`);
    },

    /** The ask and its pledges, in one query of the ask's partition. */
    async get(id: string): Promise<{ opportunity: StoredOpportunity; pledges: StoredPledge[] } | null> {
      const items: Array<Record<string, NativeAttributeValue>> = [];
      let startKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': opportunityPartition(id) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
      } while (startKey);
      const profile = items.find((i) => i.SK === 'PROFILE');
      if (!profile) return null;
      return {
        opportunity: StoredOpportunitySchema.parse(profile),
        pledges: items
          .filter((i) => String(i.SK).startsWith(PLEDGE_PREFIX))
          .map((i) => StoredPledgeSchema.parse(i)),
      };
    },

    /** Replaces the ask if it is still at the revision that was read; ConditionFailedError otherwise. */
    async update(next: StoredOpportunity, previousRevision: number): Promise<void> {
      await withCondition(`opportunity ${next.id} revision`, () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: opportunityItem(next),
            ConditionExpression: 'revision = :previous',
            ExpressionAttributeValues: { ':previous': previousRevision },
          }),
        ),
      );
    },

    /**
     * Writes a funder's pledge if it is still as read (absent, or at its revision) and the ask is still open at
     * the revision read; ConditionFailedError otherwise.
     */
    async writePledge(
      next: StoredPledge,
      previousRevision: number | null,
      askRevision: number,
    ): Promise<void> {
      await withCondition(`pledge of ${next.funderId} on ${next.opportunityId}`, () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: tableName,
                  Key: opportunityKey(next.opportunityId),
                  ConditionExpression: 'revision = :ask AND #status = :open',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':ask': askRevision, ':open': 'open' },
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: { ...pledgeKey(next.opportunityId, next.funderId), entity: 'pledge', ...next },
                  ...(previousRevision === null
                    ? { ConditionExpression: 'attribute_not_exists(PK)' }
                    : {
                        ConditionExpression: 'revision = :previous',
                        ExpressionAttributeValues: { ':previous': previousRevision },
                      }),
                },
              },
            ],
          }),
        ),
      );
    },

    /** One page of asks from a funder's own index partition (GSI1) or a visibility partition (GSI2). */
    async page(
      scope: { index: 'GSI1' | 'GSI2'; partition: string },
      limit: number,
      startKey?: Record<string, NativeAttributeValue>,
    ): Promise<OpportunityPage> {
      const pk = scope.index === 'GSI1' ? 'GSI1PK' : 'GSI2PK';
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: scope.index === 'GSI1' ? INDEX.GSI1 : INDEX.GSI2,
          KeyConditionExpression: `${pk} = :pk`,
          ExpressionAttributeValues: { ':pk': scope.partition },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      return {
        items: (out.Items ?? []).map((i) => StoredOpportunitySchema.parse(i)),
        lastKey: out.LastEvaluatedKey,
      };
    },
  };
}
export type OpportunityRepository = ReturnType<typeof createOpportunityRepository>;
