// Local stand-in for Lambda's DynamoDB stream event source mappings: reads DynamoDB Local's table stream and hands
// the same records to the SAME handlers AWS invokes, one mapping per consumer, each with its own position per
// shard and the settings CDK deploys (shared/streams/event-sources.ts): the event filter, batch size, retry from
// the first reported failure, bisect on a function error, a bounded number of retries, then the on-failure
// destination (here the hub's dead-letter store, as `cofund dead-letters` lists it) and on with the shard.

import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { handler as recordChanges } from '../functions/streams/record-changes.ts';
import { handler as resolveOrganisations } from '../functions/streams/resolve-organisations.ts';
import { handler as rollUpGaps } from '../functions/streams/roll-up-gaps.ts';
import type { StreamConsumerName } from '../schemas/dead-letter.ts';
import type { Config } from '../shared/config.ts';
import { createDynamoClient } from '../shared/db/client.ts';
import { asFunction } from '../shared/http/function-scope.ts';
import { getServices } from '../shared/services.ts';
import {
  matchesFilter,
  STREAM_CONSUMERS,
  type StreamConsumerConfig,
} from '../shared/streams/event-sources.ts';
import { failedRecordOf } from '../shared/streams/set-aside.ts';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

export const LOCAL_HANDLERS: Record<StreamConsumerName, StreamHandler> = {
  'resolve-organisations': resolveOrganisations,
  'roll-up-gaps': rollUpGaps,
  'record-changes': recordChanges,
};

export interface StreamPoller {
  /** Resolves once every record written so far has been handed to every consumer (for tests and the demo);
   * fails after timeoutMs with no record read. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Stream records read (each counted once, whichever consumers it reached). */
  readonly processed: number;
  /** Records the mappings sent to their on-failure destination after their retries ran out. */
  readonly parked: number;
}

const IDLE_MS = 250;
const SHARD_LIST_MS = 1000;

export interface PollerOptions {
  onError?: (error: unknown) => void;
  /** Replace a consumer's handler (fault tests); the settings stay those of event-sources.ts. */
  handlers?: Partial<Record<StreamConsumerName, StreamHandler>>;
  /** Pause between retries of a failing batch (Lambda retries at once, then backs off). */
  retryDelayMs?: (attempt: number) => number;
}

function toLambdaRecord(record: _Record): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    dynamodb: {
      Keys: record.dynamodb?.Keys,
      NewImage: record.dynamodb?.NewImage,
      OldImage: record.dynamodb?.OldImage,
      SequenceNumber: record.dynamodb?.SequenceNumber,
      SizeBytes: record.dynamodb?.SizeBytes,
      StreamViewType: record.dynamodb?.StreamViewType,
    },
  } as DynamoDBRecord;
}

/**
 * One event source mapping's delivery of a batch, as Lambda does it: partial failures are retried from the first
 * failed record, a batch whose invocation throws is bisected (when configured), and after maxRetryAttempts the
 * records still failing go to the on-failure destination. Resolves when every record is done or parked.
 */
export async function deliverBatch(
  config: StreamConsumerConfig,
  handler: StreamHandler,
  records: DynamoDBRecord[],
  park: (records: DynamoDBRecord[], reason: string) => Promise<void>,
  delay: (attempt: number) => number = (a) => Math.min(2000, 50 * 2 ** a),
): Promise<void> {
  let pending = records;
  let retries = 0;
  while (pending.length > 0) {
    let failedAt: number;
    let reason: string;
    try {
      const response = await asFunction(config.constructId, () => handler({ Records: pending }));
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      if (failed.size === 0) return;
      failedAt = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      if (failedAt === -1) failedAt = 0;
      reason = 'the function reported the record as failed';
    } catch (error) {
      reason = `the function failed: ${error instanceof Error ? error.message : String(error)}`;
      if (config.bisectBatchOnFunctionError && pending.length > 1) {
        // Bisect: each half is delivered (and retried) on its own, in order.
        const half = Math.ceil(pending.length / 2);
        await deliverBatch(config, handler, pending.slice(0, half), park, delay);
        pending = pending.slice(half);
        continue;
      }
      failedAt = 0;
    }
    // The records before the first failure are done; retry from it.
    if (failedAt > 0) retries = 0;
    pending = pending.slice(failedAt);
    if (retries >= config.maxRetryAttempts) {
      await park(pending, `${config.maxRetryAttempts} retries ran out: ${reason}`);
      return;
    }
    retries += 1;
    await new Promise((r) => setTimeout(r, delay(retries)));
  }
}

export async function startStreamPoller(
  config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'TABLE_NAME'>,
  options: PollerOptions = {},
): Promise<StreamPoller> {
  const dynamo = createDynamoClient(config);
  const streams = new DynamoDBStreamsClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT
      ? {
          endpoint: config.DYNAMODB_ENDPOINT,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
  const table = await dynamo.send(new DescribeTableCommand({ TableName: config.TABLE_NAME }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${config.TABLE_NAME} has no stream`);

  const mappings = STREAM_CONSUMERS.map((consumer) => ({
    consumer,
    handler: options.handlers?.[consumer.name] ?? LOCAL_HANDLERS[consumer.name],
    iterators: new Map<string, string | null>(),
    finished: new Set<string>(),
    read: 0,
    /** Polls that found nothing new on any shard, in all and in a row (a record read resets the second). */
    emptyPolls: 0,
    emptyInARow: 0,
  }));
  let stopped = false;
  let parked = 0;

  /** The on-failure destination: the records go to the dead-letter store, set aside, and the shard goes on. */
  const parkIn = (consumer: StreamConsumerConfig) => async (records: DynamoDBRecord[], reason: string) => {
    const repo = getServices().repos.deadLetters;
    const at = new Date().toISOString();
    for (const record of records) {
      const failed = failedRecordOf(consumer.name, record, new Error(reason));
      await repo.countFailure(failed, at);
      await repo.setAside(failed, at, null);
      parked += 1;
    }
    options.onError?.(new Error(`${consumer.name}: ${records.length} record(s) parked: ${reason}`));
  };

  // The shard list changes rarely: one DescribeStream a second serves every mapping.
  let shardList: { at: number; shards: Promise<string[]> } | null = null;
  const currentShards = () => {
    if (!shardList || Date.now() - shardList.at > SHARD_LIST_MS) {
      const shards = streams
        .send(new DescribeStreamCommand({ StreamArn: streamArn }))
        .then((out) => (out.StreamDescription?.Shards ?? []).map((s) => s.ShardId ?? '').filter(Boolean));
      shards.catch(() => {
        shardList = null;
      });
      shardList = { at: Date.now(), shards };
    }
    return shardList.shards;
  };

  async function discoverShards(mapping: (typeof mappings)[number]) {
    for (const id of await currentShards()) {
      if (mapping.iterators.has(id) || mapping.finished.has(id)) continue;
      // TRIM_HORIZON, as the mappings start: every handler is idempotent, so an old record costs a read.
      const it = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      mapping.iterators.set(id, it.ShardIterator ?? null);
    }
  }

  async function pollMapping(mapping: (typeof mappings)[number]): Promise<number> {
    await discoverShards(mapping);
    let seen = 0;
    for (const [shardId, iterator] of mapping.iterators) {
      if (!iterator) {
        mapping.iterators.delete(shardId);
        mapping.finished.add(shardId);
        continue;
      }
      const out = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: mapping.consumer.batchSize }),
      );
      const records = (out.Records ?? []).map(toLambdaRecord);
      if (records.length > 0) {
        const matching = records.filter((r) => matchesFilter(mapping.consumer.filter, r));
        if (matching.length > 0) {
          await deliverBatch(
            mapping.consumer,
            mapping.handler,
            matching,
            parkIn(mapping.consumer),
            options.retryDelayMs,
          );
        }
        mapping.read += records.length;
        seen += records.length;
      }
      mapping.iterators.set(shardId, out.NextShardIterator ?? null);
    }
    return seen;
  }

  // As in AWS, each mapping runs on its own; each keeps its records in order.
  const loops = mappings.map(async (mapping) => {
    while (!stopped) {
      let seen = 0;
      try {
        seen = await pollMapping(mapping);
      } catch (error) {
        options.onError?.(error);
      }
      mapping.emptyInARow = seen === 0 ? mapping.emptyInARow + 1 : 0;
      if (seen === 0) {
        mapping.emptyPolls += 1;
        // A quiet stream is polled less often (250 ms, 500 ms, then every second), as the first record wakes it.
        await new Promise((r) => setTimeout(r, IDLE_MS * 2 ** Math.min(2, mapping.emptyInARow - 1)));
      }
    }
  });
  const totalRead = () => Math.max(0, ...mappings.map((m) => m.read));

  return {
    get processed() {
      return totalRead();
    },
    get parked() {
      return parked;
    },
    async drain(timeoutMs = 30_000) {
      // The timeout is for a stuck poller, not a slow one: it runs from the last record read, so a busy machine
      // (two cores shared by a whole test suite) takes longer but does not fail while records still move.
      let deadline = Date.now() + timeoutMs;
      let lastRead = mappings.reduce((sum, m) => sum + m.read, 0);
      // Every mapping polled empty twice since this call and twice in a row now: every record written before
      // it has been handled, including what one consumer wrote for another (mentions for the rollups).
      const start = mappings.map((m) => m.emptyPolls);
      while (mappings.some((m, i) => m.emptyPolls < (start[i] ?? 0) + 2 || m.emptyInARow < 2)) {
        const read = mappings.reduce((sum, m) => sum + m.read, 0);
        if (read > lastRead) {
          lastRead = read;
          deadline = Date.now() + timeoutMs;
        }
        if (Date.now() > deadline) {
          throw new Error(`stream poller did not drain: no record read for ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, IDLE_MS / 2));
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      streams.destroy();
      dynamo.destroy();
    },
  };
}
