// Storage of organisation resolution: mentions, block memberships, organisations, review pairs and decisions.
// Every write that could race is conditional on the revision that was read; the resolver retries lost races.
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type BlockMember,
  BlockMemberSchema,
  type StoredDecision,
  StoredDecisionSchema,
  type StoredMention,
  StoredMentionSchema,
  type StoredOrganisation,
  StoredOrganisationSchema,
  type StoredPair,
  StoredPairSchema,
} from '../../schemas/organisation.ts';
import { ConditionFailedError, createdUnlessExists, withCondition } from '../db/conditions.ts';
import { batchGetAll } from '../db/items.ts';
import {
  blockMemberKey,
  blockPartition,
  creationClaimKey,
  DECISION_PREFIX,
  decisionKey,
  INDEX,
  MENTION_RECORD_PREFIX,
  mentionKey,
  mentionOrgIndexKeys,
  mentionPartition,
  organisationKey,
  orgMentionsPartition,
  pairKey,
  pairQueueIndexKeys,
  pairQueueKey,
  reviewQueuePartition,
} from '../db/keys.ts';

/** Capacity units consumed, as DynamoDB reports them, so callers can show the cost of one resolution. */
export interface CapacityMeter {
  read: number;
  write: number;
}

type Consumed = { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> };

function addConsumed(meter: CapacityMeter | undefined, kind: 'read' | 'write', out: Consumed) {
  if (!meter || !out.ConsumedCapacity) return;
  const list = Array.isArray(out.ConsumedCapacity) ? out.ConsumedCapacity : [out.ConsumedCapacity];
  for (const c of list) meter[kind] += c.CapacityUnits ?? 0;
}

export interface MentionRef {
  funderId: string;
  grantId: string;
  index: number;
}

export function parseMentionId(id: string): MentionRef {
  const [funderId, grantId, index] = id.split('#');
  if (!funderId || !grantId || index === undefined) throw new Error(`not a mention id: ${id}`);
  return { funderId, grantId, index: Number(index) };
}

export function mentionItem(mention: StoredMention) {
  return {
    ...mentionKey(mention.funderId, mention.grantId, mention.index),
    ...mentionOrgIndexKeys(mention.orgId, mention.mentionId),
    entity: 'mention',
    ...mention,
  };
}

export function blockItem(key: string, mention: StoredMention) {
  return {
    ...blockMemberKey(key, mention.mentionId),
    entity: 'block-member',
    mentionId: mention.mentionId,
    funderId: mention.funderId,
    features: mention.features,
  };
}

export function organisationItem(org: StoredOrganisation) {
  return { ...organisationKey(org.orgId), entity: 'organisation', ...org };
}

/** What one mention's resolution writes, all in one transaction. */
export interface MentionWrite {
  next: StoredMention | null;
  /** The mention item as read (null when new); the write holds only if it is unchanged. */
  previous: StoredMention | null;
  /** Organisations whose item changes, each conditional on the revision read (null: create). */
  organisations: Array<{ next: StoredOrganisation; previous: StoredOrganisation | null }>;
  /**
   * Block keys claimed while starting a new organisation: the write fails if another resolution claimed one of
   * them within the claim's lifetime, so two records of one organisation never start two organisations at once.
   */
  claims?: { keys: string[]; orgId: string; expiresAt: number; now: number };
}

/** The write holds only if the item is still at the revision read (or still absent, when nothing was read). */
function unchangedSince(read: { revision: number } | null) {
  return read === null
    ? { ConditionExpression: 'attribute_not_exists(PK)' }
    : {
        ConditionExpression: 'revision = :revision',
        ExpressionAttributeValues: { ':revision': read.revision },
      };
}

export interface MentionScanPage {
  /** Items the scan read in this page, mentions or not. */
  scanned: number;
  mentions: StoredMention[];
  invalid: Array<{ key: string; error: string }>;
}

export function createResolutionRepository(deps: { doc: DynamoDBDocumentClient; tableName: string }) {
  const { doc, tableName } = deps;

  async function queryAll(
    input: {
      KeyConditionExpression: string;
      ExpressionAttributeValues: Record<string, NativeAttributeValue>;
      IndexName?: string;
      ConsistentRead?: boolean;
      Limit?: number;
    },
    meter?: CapacityMeter,
    maxItems = Number.POSITIVE_INFINITY,
  ) {
    const items: Array<Record<string, NativeAttributeValue>> = [];
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          ...input,
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      addConsumed(meter, 'read', out);
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < maxItems);
    return items.slice(0, maxItems);
  }

  return {
    /** The mentions of one grant and the decisions about them: one query of the grant's mention partition. */
    async readGrant(funderId: string, grantId: string, meter?: CapacityMeter) {
      const items = await queryAll(
        {
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': mentionPartition(funderId, grantId) },
          ConsistentRead: true,
        },
        meter,
      );
      const mentions: StoredMention[] = [];
      const decisions: StoredDecision[] = [];
      for (const item of items) {
        const sk = String(item.SK);
        if (sk.startsWith(MENTION_RECORD_PREFIX)) mentions.push(StoredMentionSchema.parse(item));
        else if (sk.startsWith(DECISION_PREFIX)) decisions.push(StoredDecisionSchema.parse(item));
      }
      return { mentions, decisions };
    },

    /**
     * Every mention item in one segment of a parallel scan, page by page (maintenance only: the gap rebuild).
     * An item the schema refuses is passed on as such, so one bad item never stops the others.
     */
    async *scanMentions(segment: number, totalSegments: number): AsyncGenerator<MentionScanPage> {
      let startKey: Record<string, NativeAttributeValue> | undefined;
      do {
        const out = await doc.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: totalSegments,
            ConsistentRead: true,
            FilterExpression: 'entity = :mention AND begins_with(SK, :record)',
            ExpressionAttributeValues: { ':mention': 'mention', ':record': MENTION_RECORD_PREFIX },
            ExclusiveStartKey: startKey,
          }),
        );
        const page: MentionScanPage = { scanned: out.ScannedCount ?? 0, mentions: [], invalid: [] };
        for (const item of out.Items ?? []) {
          const parsed = StoredMentionSchema.safeParse(item);
          if (parsed.success) page.mentions.push(parsed.data);
          else page.invalid.push({ key: `${item.PK}/${item.SK}`, error: parsed.error.message });
        }
        yield page;
        startKey = out.LastEvaluatedKey;
      } while (startKey);
    },

    /** Members of one block, at most `cap` (an over-full block says little; its first members are enough). */
    async readBlock(
      key: string,
      cap: number,
      meter?: CapacityMeter,
      consistent = false,
    ): Promise<BlockMember[]> {
      const items = await queryAll(
        {
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': blockPartition(key) },
          Limit: cap,
          ConsistentRead: consistent,
        },
        meter,
        cap,
      );
      return items.map((i) => BlockMemberSchema.parse(i));
    },

    /** Mention items by id (BatchGetItem, unprocessed keys retried with backoff). */
    async getMentions(ids: string[], meter?: CapacityMeter): Promise<Map<string, StoredMention>> {
      const keys = [...new Set(ids)].map((id) => {
        const ref = parseMentionId(id);
        return mentionKey(ref.funderId, ref.grantId, ref.index);
      });
      const items = await batchGetAll(doc, tableName, keys, {
        consistentRead: true,
        ...(meter
          ? {
              onConsumed: (units: number) => {
                meter.read += units;
              },
            }
          : {}),
      });
      return new Map(items.map((i) => StoredMentionSchema.parse(i)).map((m) => [m.mentionId, m]));
    },

    async getOrganisation(orgId: string, meter?: CapacityMeter): Promise<StoredOrganisation | null> {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: organisationKey(orgId),
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      addConsumed(meter, 'read', out);
      return out.Item ? StoredOrganisationSchema.parse(out.Item) : null;
    },

    /** Every mention linked to an organisation (GSI1; eventually consistent). */
    async listOrganisationMentions(
      orgId: string,
      maxItems = 1000,
      meter?: CapacityMeter,
    ): Promise<StoredMention[]> {
      const items = await queryAll(
        {
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': orgMentionsPartition(orgId) },
        },
        meter,
        maxItems,
      );
      return items.map((i) => StoredMentionSchema.parse(i));
    },

    /**
     * Writes one mention's new state with its block memberships and organisation counts in one transaction,
     * only if the mention and every organisation touched are still as read. Lost races: ConditionFailedError.
     */
    async writeMention(write: MentionWrite, meter?: CapacityMeter): Promise<void> {
      const { next, previous } = write;
      const oldKeys = new Set(previous?.blockKeys ?? []);
      const newKeys = new Set(next?.blockKeys ?? []);
      const featuresChanged = JSON.stringify(previous?.features) !== JSON.stringify(next?.features);
      const transact: Array<Record<string, unknown>> = [];
      const target = next ?? previous;
      if (!target) return;
      const key = mentionKey(target.funderId, target.grantId, target.index);
      const mentionCondition = unchangedSince(previous);
      transact.push(
        next
          ? { Put: { TableName: tableName, Item: mentionItem(next), ...mentionCondition } }
          : { Delete: { TableName: tableName, Key: key, ...mentionCondition } },
      );
      for (const k of oldKeys) {
        if (!newKeys.has(k))
          transact.push({ Delete: { TableName: tableName, Key: blockMemberKey(k, target.mentionId) } });
      }
      for (const k of newKeys) {
        // Members carry the features they are compared on, so a changed name rewrites every membership.
        if (!oldKeys.has(k) || featuresChanged) {
          transact.push({ Put: { TableName: tableName, Item: blockItem(k, next as StoredMention) } });
        }
      }
      for (const { next: org, previous: before } of write.organisations) {
        transact.push({
          Put: {
            TableName: tableName,
            Item: organisationItem(org),
            ...unchangedSince(before),
          },
        });
      }
      for (const key of write.claims?.keys ?? []) {
        const claims = write.claims as NonNullable<MentionWrite['claims']>;
        transact.push({
          Put: {
            TableName: tableName,
            Item: {
              ...creationClaimKey(key),
              entity: 'creation-claim',
              orgId: claims.orgId,
              mentionId: target.mentionId,
              ttl: claims.expiresAt,
            },
            // TTL deletion is lazy: an expired claim no longer counts even before it is gone.
            ConditionExpression: 'attribute_not_exists(PK) OR #ttl < :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': claims.now },
          },
        });
      }
      await withCondition(`mention ${target.mentionId} changed`, async () => {
        const out = await doc.send(
          new TransactWriteCommand({
            TransactItems: transact as never,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        addConsumed(meter, 'write', out);
      });
    },

    /**
     * Creates an open review pair with a queue entry for each of `queueFor` (funders owning a side that may
     * see the other side); false if the pair exists.
     */
    async createPair(pair: StoredPair, queueFor: string[], meter?: CapacityMeter): Promise<boolean> {
      const funders = [...new Set(queueFor)];
      return createdUnlessExists(() =>
        withCondition(`pair ${pair.pairId} exists`, async () => {
          const out = await doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: { ...pairKey(pair.pairId), entity: 'pair', ...pair },
                    ConditionExpression: 'attribute_not_exists(PK)',
                  },
                },
                ...funders.map((funderId) => ({
                  Put: {
                    TableName: tableName,
                    Item: {
                      ...pairQueueKey(pair.pairId, funderId),
                      ...pairQueueIndexKeys(funderId, pair.moneyAffected, pair.pairId),
                      entity: 'pair-queue',
                      pairId: pair.pairId,
                    },
                  },
                })),
              ],
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          addConsumed(meter, 'write', out);
        }),
      );
    },

    async getPair(pairId: string): Promise<StoredPair | null> {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: pairKey(pairId), ConsistentRead: true }),
      );
      return out.Item ? StoredPairSchema.parse(out.Item) : null;
    },

    async getPairs(pairIds: string[]): Promise<Map<string, StoredPair>> {
      const items = await batchGetAll(doc, tableName, [...new Set(pairIds)].map(pairKey));
      return new Map(items.map((i) => StoredPairSchema.parse(i)).map((p) => [p.pairId, p]));
    },

    /** One page of a funder's open review queue, most money first. */
    async listQueue(funderId: string, limit: number, startKey?: Record<string, NativeAttributeValue>) {
      const out = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.GSI1,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': reviewQueuePartition(funderId) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      return {
        pairIds: (out.Items ?? []).map((i) => String(i.pairId)),
        lastKey: out.LastEvaluatedKey,
      };
    },

    /**
     * Records a decision: the pair leaves the queues and each side gets a decision item beside its mention,
     * only if the pair is still open (a second reviewer's decision loses with ConditionFailedError).
     */
    async decidePair(decided: StoredPair, decisions: StoredDecision[]): Promise<void> {
      const funders = [...new Set([decided.a.funderId, decided.b.funderId])];
      await withCondition(`pair ${decided.pairId} already decided`, () =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...pairKey(decided.pairId), entity: 'pair', ...decided },
                  ConditionExpression: '#status = :open',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':open': 'open' },
                },
              },
              ...funders.map((funderId) => ({
                Delete: { TableName: tableName, Key: pairQueueKey(decided.pairId, funderId) },
              })),
              ...decisions.map((d) => {
                const ref = parseMentionId(d.mentionId);
                return {
                  Put: {
                    TableName: tableName,
                    Item: {
                      ...decisionKey(ref.funderId, ref.grantId, ref.index, d.otherMentionId),
                      entity: 'decision',
                      ...d,
                    },
                  },
                };
              }),
            ],
          }),
        ),
      );
    },

    /**
     * Adds crosswalks to an organisation, conditional on its revision (and moving it, so a resolver that read
     * the organisation before writes again after re-reading); a lost race is retried.
     */
    async addCrosswalks(orgId: string, crosswalks: string[]): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        const out = await doc.send(
          new GetCommand({ TableName: tableName, Key: organisationKey(orgId), ConsistentRead: true }),
        );
        if (!out.Item) return;
        const current = StoredOrganisationSchema.parse(out.Item);
        const next = [...new Set([...current.crosswalks, ...crosswalks])].sort();
        if (next.length === current.crosswalks.length) return;
        try {
          await withCondition(`organisation ${orgId} changed`, () =>
            doc.send(
              new UpdateCommand({
                TableName: tableName,
                Key: organisationKey(orgId),
                UpdateExpression: 'SET crosswalks = :crosswalks, revision = revision + :one',
                ConditionExpression: 'revision = :revision',
                ExpressionAttributeValues: { ':crosswalks': next, ':one': 1, ':revision': current.revision },
              }),
            ),
          );
          return;
        } catch (error) {
          if (!(error instanceof ConditionFailedError) || attempt >= 5) throw error;
        }
      }
    },

    async markApplied(pairId: string): Promise<void> {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: pairKey(pairId),
          UpdateExpression: 'SET applied = :true',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
    },
  };
}
export type ResolutionRepository = ReturnType<typeof createResolutionRepository>;
