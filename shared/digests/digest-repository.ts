// Storage of the change feed, digest deliveries and each member's digest state. A delivery moves
// absent -> sending (leased to one worker) -> sent | empty, or -> retrying -> ... -> failed; every move is
// conditional, so two workers can never both own one member's period.
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../schemas/audit.ts';
import {
  type DigestCounts,
  type DigestRecord,
  DigestRecordSchema,
  type DigestState,
  DigestStateSchema,
  type FeedEntry,
  FeedEntrySchema,
} from '../../schemas/digest.ts';
import { auditItem } from '../audit/audit-repository.ts';
import { createdUnlessExists, isConditionFailure, withCondition } from '../db/conditions.ts';
import { getItem, putIfAbsent } from '../db/items.ts';
import {
  DIGEST_PERIOD_PREFIX,
  digestIndexKeys,
  digestKey,
  digestPartition,
  digestStateKey,
  feedIndexKeys,
  feedKey,
  funderDigestsPartition,
  INDEX,
} from '../db/keys.ts';

/** Feed entries are kept long enough for a weekly digest that failed for a while to catch up. */
const FEED_TTL_SECONDS = 60 * 86400;

export interface FeedPartition {
  index: 'GSI1' | 'GSI2';
  partition: string;
}

export interface DigestOutcome {
  status: 'sent' | 'empty';
  at: string;
  windowFrom: string;
  windowTo: string;
  counts: DigestCounts;
  messageId?: string;
}

export interface DigestPage {
  items: DigestRecord[];
  lastKey: Record<string, NativeAttributeValue> | undefined;
}

export function createDigestRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;
  const key = (r: Pick<DigestRecord, 'funderId' | 'memberId' | 'period'>) =>
    digestKey(r.funderId, r.memberId, r.period);
  /** Moves a claimed delivery to its outcome, only while the claim is still this worker's. */
  const finishing = (
    r: Pick<DigestRecord, 'funderId' | 'memberId' | 'period'>,
    token: string,
    o: DigestOutcome,
  ) => ({
    TableName: tableName,
    Key: key(r),
    UpdateExpression:
      'SET #status = :status, windowFrom = :from, windowTo = :to, counts = :counts, updatedAt = :at' +
      (o.messageId ? ', messageId = :mid, sentAt = :at' : '') +
      ' REMOVE claimToken, leaseUntil, lastError',
    ConditionExpression: 'claimToken = :token',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':status': o.status,
      ':from': o.windowFrom,
      ':to': o.windowTo,
      ':counts': o.counts,
      ':at': o.at,
      ':token': token,
      ...(o.messageId ? { ':mid': o.messageId } : {}),
    },
  });
  const newestFirst = async (
    query: Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
    limit: number,
    startKey: Record<string, NativeAttributeValue> | undefined,
  ): Promise<DigestPage> => {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        ...query,
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return {
      items: (out.Items ?? []).map((i) => DigestRecordSchema.parse(i)),
      lastKey: out.LastEvaluatedKey,
    };
  };
  const getState = async (funderId: string, memberId: string): Promise<DigestState | null> => {
    const out = await doc.send(
      new GetCommand({ TableName: tableName, Key: digestStateKey(funderId, memberId), ConsistentRead: true }),
    );
    return out.Item ? DigestStateSchema.parse(out.Item) : null;
  };

  return {
    /** False when this grant version was already recorded (a re-delivered stream record). */
    async recordFeed(entry: FeedEntry): Promise<boolean> {
      return createdUnlessExists(() =>
        putIfAbsent(
          doc,
          tableName,
          {
            ...feedKey(entry.funderId, entry.grantId, entry.version),
            ...feedIndexKeys(
              entry.funderId,
              entry.grantId,
              entry.version,
              entry.visibility,
              entry.recordedAt,
            ),
            entity: 'feed',
            ...entry,
            ttl: Math.floor(Date.parse(entry.recordedAt) / 1000) + FEED_TTL_SECONDS,
          },
          `feed ${entry.funderId}/${entry.grantId} v${entry.version}`,
        ),
      );
    },

    /** Entries recorded in [from, to) in one feed partition, oldest first, at most `max`. */
    async readFeed(
      at: FeedPartition,
      from: string,
      to: string,
      max: number,
    ): Promise<{ items: FeedEntry[]; more: boolean }> {
      const items: FeedEntry[] = [];
      let startKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const out = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: INDEX[at.index],
            KeyConditionExpression: `${at.index}PK = :pk AND ${at.index}SK BETWEEN :from AND :to`,
            ExpressionAttributeValues: { ':pk': at.partition, ':from': from, ':to': to },
            Limit: Math.min(max + 1 - items.length, 500),
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...(out.Items ?? []).map((i) => FeedEntrySchema.parse(i)));
        startKey = out.LastEvaluatedKey;
      } while (startKey && items.length <= max);
      return { items: items.slice(0, max), more: items.length > max || startKey !== undefined };
    },

    async get(funderId: string, memberId: string, period: string): Promise<DigestRecord | null> {
      return getItem(doc, tableName, digestKey(funderId, memberId, period), DigestRecordSchema);
    },

    /**
     * Takes the member's period for one worker: creates it, or takes it back from a failed or retrying
     * attempt or from a worker whose lease ran out. Null when someone else holds it or it is finished.
     */
    async claim(
      r: Pick<DigestRecord, 'funderId' | 'memberId' | 'period'>,
      token: string,
      at: string,
      leaseUntil: string,
    ): Promise<DigestRecord | null> {
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(r),
            UpdateExpression:
              'SET #status = :sending, claimToken = :token, leaseUntil = :lease, attempts = if_not_exists(attempts, :zero) + :one, ' +
              'funderId = :funder, memberId = :member, period = :period, entity = :entity, ' +
              'createdAt = if_not_exists(createdAt, :at), updatedAt = :at, GSI1PK = :gpk, GSI1SK = if_not_exists(GSI1SK, :gsk)',
            ConditionExpression:
              'attribute_not_exists(PK) OR #status IN (:retrying, :failed) OR (#status = :sending AND leaseUntil < :at)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':sending': 'sending',
              ':retrying': 'retrying',
              ':failed': 'failed',
              ':token': token,
              ':lease': leaseUntil,
              ':zero': 0,
              ':one': 1,
              ':funder': r.funderId,
              ':member': r.memberId,
              ':period': r.period,
              ':entity': 'digest',
              ':at': at,
              ':gpk': funderDigestsPartition(r.funderId),
              ':gsk': digestIndexKeys(r.funderId, r.memberId, r.period, at).GSI1SK,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return DigestRecordSchema.parse(out.Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return null;
        throw error;
      }
    },

    /**
     * Finishes the claimed delivery and moves the member's state on, in one transaction, only while the
     * claim is still ours and the state is where this digest started from; a sent digest's audit event is
     * written in the same transaction.
     */
    async complete(
      r: Pick<DigestRecord, 'funderId' | 'memberId' | 'period'>,
      token: string,
      outcome: DigestOutcome,
      state: DigestState,
      previousWindowTo: string | undefined,
      audit?: AuditEvent,
    ): Promise<void> {
      await withCondition(`digest ${r.funderId}/${r.memberId}/${r.period} claim`, () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: finishing(r, token, outcome) },
              ...(audit ? [{ Put: { TableName: tableName, Item: auditItem(audit) } }] : []),
              {
                Put: {
                  TableName: tableName,
                  Item: { ...digestStateKey(r.funderId, r.memberId), entity: 'digest-state', ...state },
                  ConditionExpression: previousWindowTo
                    ? 'lastWindowTo = :previous'
                    : 'attribute_not_exists(lastWindowTo)',
                  ...(previousWindowTo
                    ? { ExpressionAttributeValues: { ':previous': previousWindowTo } }
                    : {}),
                },
              },
            ],
          }),
        ),
      );
    },

    /** The delivery alone, when the transaction with the member's state could not be written. */
    async markSent(
      r: Pick<DigestRecord, 'funderId' | 'memberId' | 'period'>,
      token: string,
      outcome: DigestOutcome & { status: 'sent'; messageId: string },
    ): Promise<void> {
      await withCondition(`digest ${r.funderId}/${r.memberId}/${r.period} claim`, () =>
        doc.send(new UpdateCommand(finishing(r, token, outcome))),
      );
    },

    /** A failed attempt: the period is free for the next try (retrying) or parked (failed). */
    async release(
      r: Pick<DigestRecord, 'funderId' | 'memberId' | 'period'>,
      token: string,
      status: 'retrying' | 'failed',
      error: string,
      at: string,
    ): Promise<void> {
      await withCondition(`digest ${r.funderId}/${r.memberId}/${r.period} claim`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(r),
            UpdateExpression:
              'SET #status = :status, lastError = :error, updatedAt = :at REMOVE claimToken, leaseUntil',
            ConditionExpression: 'claimToken = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ':error': error.slice(0, 500),
              ':at': at,
              ':token': token,
            },
          }),
        ),
      );
    },

    /** A member's deliveries, newest period first. */
    listForMember: (
      funderId: string,
      memberId: string,
      limit: number,
      startKey?: Record<string, NativeAttributeValue>,
    ) =>
      newestFirst(
        {
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: {
            ':pk': digestPartition(funderId, memberId),
            ':prefix': DIGEST_PERIOD_PREFIX,
          },
        },
        limit,
        startKey,
      ),

    /** A funder's deliveries, newest first (admins). */
    listForFunder: (funderId: string, limit: number, startKey?: Record<string, NativeAttributeValue>) =>
      newestFirst(
        {
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': funderDigestsPartition(funderId) },
        },
        limit,
        startKey,
      ),

    getState,

    /** The first state of a member (a fresh link secret); an existing one is kept and returned. */
    async ensureState(initial: DigestState): Promise<DigestState> {
      const created = await createdUnlessExists(() =>
        putIfAbsent(
          doc,
          tableName,
          { ...digestStateKey(initial.funderId, initial.memberId), entity: 'digest-state', ...initial },
          `digest state ${initial.funderId}/${initial.memberId}`,
        ),
      );
      if (created) return initial;
      const existing = await getState(initial.funderId, initial.memberId);
      if (!existing) throw new Error(`digest state ${initial.funderId}/${initial.memberId} vanished`);
      return existing;
    },
  };
}
export type DigestRepository = ReturnType<typeof createDigestRepository>;
