// The operator's view of stream records set aside: where and why (never the record's content, which may be a
// funder's private grant), and a replay that runs the consumer on the record once more after a fix.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  type DeadLetterView,
  type StoredDeadLetter,
  StreamConsumerNameSchema,
} from '../../schemas/dead-letter.ts';
import { requireOperator } from '../access/policy.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { RecordProcessor } from './consumers.ts';
import type { DeadLetterRepository } from './dead-letter-repository.ts';

export const deadLetterIdOf = (d: Pick<StoredDeadLetter, 'consumer' | 'eventId'>) =>
  `${d.consumer}~${d.eventId}`;

function view(d: StoredDeadLetter): DeadLetterView {
  return {
    id: deadLetterIdOf(d),
    consumer: d.consumer,
    status: d.status,
    funderId: d.funderId,
    grantId: d.grantId,
    item: `${d.itemKey.PK} ${d.itemKey.SK}`,
    eventName: d.eventName,
    attempts: d.attempts,
    reason: d.reason,
    firstFailedAt: d.firstFailedAt,
    lastFailedAt: d.lastFailedAt,
    setAsideAt: d.setAsideAt,
    replayedAt: d.replayedAt,
    recordKept: d.record !== null,
  };
}

export function createDeadLetterService(deps: {
  repo: DeadLetterRepository;
  processors: Record<StoredDeadLetter['consumer'], RecordProcessor>;
  /** The table item as it is now, in DynamoDB JSON (for a record too large to have been kept). */
  readItem(key: { PK: string; SK: string }): Promise<Record<string, AttributeValue> | null>;
  audit: AuditService;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  /** The record to replay: as it was delivered, or (when it was too large to keep) the item as it is now. */
  async function recordOf(d: StoredDeadLetter): Promise<DynamoDBRecord> {
    if (d.record !== null) return JSON.parse(d.record) as DynamoDBRecord;
    const image = await deps.readItem(d.itemKey);
    return {
      eventID: d.eventId,
      eventName: image ? 'MODIFY' : 'REMOVE',
      dynamodb: {
        Keys: { PK: { S: d.itemKey.PK }, SK: { S: d.itemKey.SK } },
        ...(image ? { NewImage: image } : {}),
        ...(d.sequenceNumber ? { SequenceNumber: d.sequenceNumber } : {}),
      },
    } as DynamoDBRecord;
  }

  return {
    async list(ctx: AuditContext, status: StoredDeadLetter['status']) {
      requireOperator(ctx.principal, 'dead-letters.list', 'dead-letters');
      const items = await deps.repo.list(status);
      items.sort((a, b) => (b.setAsideAt ?? b.lastFailedAt).localeCompare(a.setAsideAt ?? a.lastFailedAt));
      return { items: items.map(view) };
    },

    async replay(ctx: AuditContext, id: string) {
      requireOperator(ctx.principal, 'dead-letters.replay', `dead-letter:${id}`);
      const [consumerText = '', ...rest] = id.split('~');
      const consumer = StreamConsumerNameSchema.safeParse(consumerText);
      const found = consumer.success ? await deps.repo.get(consumer.data, rest.join('~')) : null;
      if (!found) throw new NotFoundError(`Dead letter ${id}`);
      if (found.status !== 'set-aside') {
        throw new ConflictError(
          'not_set_aside',
          `Dead letter ${id} is ${found.status}, not set aside: nothing to replay.`,
        );
      }
      const resource = `dead-letter:${id}`;
      try {
        await deps.processors[found.consumer](await recordOf(found));
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        await deps.audit.record(ctx, { action: 'dead-letters.replay', resource, outcome: 'denied', reason });
        return { id, outcome: 'failed' as const, reason };
      }
      await deps.repo.markReplayed(found.consumer, found.eventId, now().toISOString());
      await deps.audit.record(ctx, { action: 'dead-letters.replay', resource, outcome: 'allowed' });
      return { id, outcome: 'replayed' as const };
    },
  };
}
export type DeadLetterService = ReturnType<typeof createDeadLetterService>;
