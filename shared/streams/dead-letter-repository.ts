// The dead-letter store of the stream consumers: a record's failed attempts are counted beside it, and at the
// consumer's limit it is set aside (with its reason and an audit event in the owner's log, in one transaction)
// so the shard goes on. The operator lists what was set aside and replays it after a fix.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AuditEvent } from '../../schemas/audit.ts';
import {
  type StoredDeadLetter,
  StoredDeadLetterSchema,
  type StreamConsumerName,
} from '../../schemas/dead-letter.ts';
import { auditItem } from '../audit/audit-repository.ts';
import { isConditionFailure } from '../db/conditions.ts';
import { queryAll } from '../db/items.ts';
import {
  DEAD_LETTER_PARTITION,
  deadLetterIndexKeys,
  deadLetterKey,
  funderDeadLettersPartition,
  INDEX,
} from '../db/keys.ts';

/** A record still being retried is forgotten after two weeks; a replayed one after 30 days. */
const RETRYING_TTL_SECONDS = 14 * 86_400;
const REPLAYED_TTL_SECONDS = 30 * 86_400;
/** A stream record kept for replay must leave room in a 400 KB item for the rest. */
export const MAX_KEPT_RECORD_BYTES = 300_000;

export interface FailedRecord {
  consumer: StreamConsumerName;
  eventId: string;
  sequenceNumber: string | null;
  eventName: string | null;
  itemKey: { PK: string; SK: string };
  funderId: string | null;
  grantId: string | null;
  /** The record as JSON, or null when it is too large to keep. */
  record: string | null;
  reason: string;
}

const epoch = (at: string) => Math.floor(Date.parse(at) / 1000);

export function createDeadLetterRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  return {
    /** Counts one failed attempt of a record and returns how many there have been. */
    async countFailure(failed: FailedRecord, at: string): Promise<number> {
      const out = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: deadLetterKey(failed.consumer, failed.eventId),
          UpdateExpression:
            'ADD attempts :one SET entity = :entity, consumer = :consumer, eventId = :eventId, ' +
            'sequenceNumber = :seq, eventName = :name, itemKey = :itemKey, funderId = :funder, grantId = :grant, ' +
            '#status = if_not_exists(#status, :retrying), reason = :reason, ' +
            'firstFailedAt = if_not_exists(firstFailedAt, :at), lastFailedAt = :at, ' +
            '#record = if_not_exists(#record, :record), #ttl = :ttl',
          ExpressionAttributeNames: { '#status': 'status', '#record': 'record', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':entity': 'dead-letter',
            ':consumer': failed.consumer,
            ':eventId': failed.eventId,
            ':seq': failed.sequenceNumber,
            ':name': failed.eventName,
            ':itemKey': failed.itemKey,
            ':funder': failed.funderId,
            ':grant': failed.grantId,
            ':retrying': 'retrying',
            ':reason': failed.reason,
            ':at': at,
            ':record': failed.record,
            ':ttl': epoch(at) + RETRYING_TTL_SECONDS,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(out.Attributes?.attempts ?? 1);
    },

    /**
     * Sets a record aside, with the audit event, once: a second consumer run reaching the limit again (a
     * re-delivery) finds it already set aside and writes nothing. Returns whether this call set it aside.
     */
    async setAside(failed: FailedRecord, at: string, audit: AuditEvent | null): Promise<boolean> {
      const indexKeys =
        failed.funderId && failed.grantId
          ? deadLetterIndexKeys(failed.funderId, failed.grantId, failed.consumer, failed.eventId)
          : {};
      const names: Record<string, string> = { '#status': 'status', '#ttl': 'ttl' };
      const values: Record<string, unknown> = { ':aside': 'set-aside', ':at': at, ':reason': failed.reason };
      let set = '#status = :aside, setAsideAt = :at, reason = :reason';
      for (const [name, value] of Object.entries(indexKeys)) {
        names[`#${name}`] = name;
        values[`:${name}`] = value;
        set += `, #${name} = :${name}`;
      }
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: deadLetterKey(failed.consumer, failed.eventId),
                  UpdateExpression: `SET ${set} REMOVE #ttl`,
                  ConditionExpression: 'attribute_exists(PK) AND #status <> :aside',
                  ExpressionAttributeNames: names,
                  ExpressionAttributeValues: values,
                },
              },
              ...(audit ? [{ Put: { TableName: tableName, Item: auditItem(audit) } }] : []),
            ],
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async get(consumer: string, eventId: string): Promise<StoredDeadLetter | null> {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: deadLetterKey(consumer, eventId), ConsistentRead: true }),
      );
      return out.Item ? StoredDeadLetterSchema.parse(out.Item) : null;
    },

    /** Every dead letter with this status (the partition is small: records are set aside rarely). */
    async list(status: StoredDeadLetter['status']): Promise<StoredDeadLetter[]> {
      const items = await queryAll(doc, {
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        FilterExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': DEAD_LETTER_PARTITION, ':status': status },
        ConsistentRead: true,
      });
      return items.map((i) => StoredDeadLetterSchema.parse(i));
    },

    /** The grants of one funder with a record set aside (any consumer). */
    async grantsSetAside(funderId: string): Promise<Set<string>> {
      const items = await queryAll(doc, {
        TableName: tableName,
        IndexName: INDEX.GSI1,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': funderDeadLettersPartition(funderId) },
      });
      return new Set(items.map((i) => i.grantId).filter((g): g is string => typeof g === 'string'));
    },

    /** A table item as it is now, in DynamoDB JSON (the shape of a stream image). */
    async readItem(key: { PK: string; SK: string }): Promise<Record<string, AttributeValue> | null> {
      const out = await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      return out.Item ? marshall(out.Item, { removeUndefinedValues: true }) : null;
    },

    /** A replay went through: the record leaves the funder's set-aside list and expires later. */
    async markReplayed(consumer: string, eventId: string, at: string): Promise<void> {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: deadLetterKey(consumer, eventId),
          UpdateExpression: 'SET #status = :replayed, replayedAt = :at, #ttl = :ttl REMOVE GSI1PK, GSI1SK',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':replayed': 'replayed',
            ':at': at,
            ':ttl': epoch(at) + REPLAYED_TTL_SECONDS,
          },
        }),
      );
    },
  };
}
export type DeadLetterRepository = ReturnType<typeof createDeadLetterRepository>;
