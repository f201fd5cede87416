// Audit events, one partition per funder, newest first when read.
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, AuditEventSchema } from '../../schemas/audit.ts';
import { auditKey, auditPartition } from '../db/keys.ts';

/** Item form of an event, for repositories that write it in the same transaction as the change. */
export function auditItem(event: AuditEvent): Record<string, unknown> {
  return { ...auditKey(event.funderId, event.at, event.eventId), entity: 'audit', ...event };
}

export function createAuditRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    /** `expiresAt` (epoch seconds): the table's TTL removes the event then (unauthenticated denials). */
    async put(event: AuditEvent, expiresAt?: number): Promise<void> {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...auditItem(event), ...(expiresAt === undefined ? {} : { ttl: expiresAt }) },
        }),
      );
    },

    async list(funderId: string, limit: number, startKey?: Record<string, unknown>) {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': auditPartition(funderId) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      return {
        items: (out.Items ?? []).map((i) => AuditEventSchema.parse(i)),
        lastKey: out.LastEvaluatedKey,
      };
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
