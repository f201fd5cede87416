// What a stream consumer does with a record that fails: a passing fault (throttling, a busy table) is left to
// Lambda's retries; any other failure is counted beside the record, and at the consumer's limit the record is set
// aside (dead-letter store, audit event in the owner's log, an ERROR log line the alarm counts) so the shard goes
// on. Lambda's own retry limit and on-failure queue stay as the backstop when even that write fails.
import type { DynamoDBRecord } from 'aws-lambda';
import type { StreamConsumerName } from '../../schemas/dead-letter.ts';
import { isTransient } from '../db/conditions.ts';
import { logger } from '../logger.ts';
import {
  type DeadLetterRepository,
  type FailedRecord,
  MAX_KEPT_RECORD_BYTES,
} from './dead-letter-repository.ts';

/** The message the stacks' metric filter counts for the "stream record set aside" alarm. */
export const SET_ASIDE_LOG_MESSAGE = 'stream record set aside';

export interface SetAsideOptions {
  consumer: StreamConsumerName;
  /** Failed attempts (not counting passing faults) before a record is set aside. */
  maxAttempts: number;
  deadLetters: () => DeadLetterRepository;
  now?: () => Date;
}

/** The funder and grant a record is about, from its keys (GRANT#<f>#<g>, MENTION#<f>#<g>), however broken the rest. */
export function ownerOfKeys(pk: string): { funderId: string | null; grantId: string | null } {
  const match = /^(?:GRANT|MENTION|FEED)#([^#]+)#([^#]+)$/.exec(pk);
  return match
    ? { funderId: match[1] ?? null, grantId: match[2] ?? null }
    : { funderId: null, grantId: null };
}

const keyText = (value: unknown) =>
  value && typeof value === 'object' && 'S' in value && typeof value.S === 'string' ? value.S : '';

export function failedRecordOf(
  consumer: StreamConsumerName,
  record: DynamoDBRecord,
  error: unknown,
): FailedRecord {
  const keys = record.dynamodb?.Keys ?? {};
  const itemKey = { PK: keyText(keys.PK), SK: keyText(keys.SK) };
  const json = JSON.stringify(record);
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    consumer,
    eventId: record.eventID ?? `seq-${record.dynamodb?.SequenceNumber ?? 'unknown'}`,
    sequenceNumber: record.dynamodb?.SequenceNumber ?? null,
    eventName: record.eventName ?? null,
    itemKey,
    ...ownerOfKeys(itemKey.PK),
    record: Buffer.byteLength(json) <= MAX_KEPT_RECORD_BYTES ? json : null,
    reason: reason.length > 1000 ? `${reason.slice(0, 997)}...` : reason,
  };
}

/** 'retry': report the record for Lambda to re-deliver; 'set-aside': it is in the dead-letter store, go on. */
export async function afterFailure(
  record: DynamoDBRecord,
  error: unknown,
  options: SetAsideOptions,
): Promise<'retry' | 'set-aside'> {
  if (isTransient(error)) return 'retry';
  const at = (options.now?.() ?? new Date()).toISOString();
  const failed = failedRecordOf(options.consumer, record, error);
  const repo = options.deadLetters();
  const attempts = await repo.countFailure(failed, at);
  if (attempts < options.maxAttempts) {
    logger.warn('stream record failed; it will be retried', {
      consumer: failed.consumer,
      eventId: failed.eventId,
      attempts,
      reason: failed.reason,
    });
    return 'retry';
  }
  const audit = failed.funderId
    ? {
        eventId: `set-aside-${failed.consumer}-${failed.eventId}`.slice(0, 200),
        at,
        funderId: failed.funderId,
        actorFunderId: 'hub',
        actorMemberId: null,
        action: 'stream.set-aside',
        resource: failed.grantId ? `grant:${failed.funderId}/${failed.grantId}` : `item:${failed.itemKey.PK}`,
        outcome: 'denied' as const,
        reason: failed.reason,
        details: {
          consumer: failed.consumer,
          eventId: failed.eventId,
          attempts,
          item: `${failed.itemKey.PK} ${failed.itemKey.SK}`,
        },
      }
    : null;
  await repo.setAside(failed, at, audit);
  logger.error(SET_ASIDE_LOG_MESSAGE, {
    consumer: failed.consumer,
    eventId: failed.eventId,
    attempts,
    item: failed.itemKey,
    reason: failed.reason,
    recordKept: failed.record !== null,
  });
  return 'set-aside';
}
