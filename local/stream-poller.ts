// Local stand-in for Lambda's DynamoDB stream event sources: reads DynamoDB Local's table stream and hands the
// same records, in order per shard, to the SAME handlers AWS invokes (functions/streams/resolve-organisations.ts,
// functions/streams/roll-up-gaps.ts and functions/streams/record-changes.ts). In AWS each has its own event filter; here every handler sees every
// record and ignores what its filter would have dropped.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { handler as recordChanges } from '../functions/streams/record-changes.ts';
import { handler as resolveOrganisations } from '../functions/streams/resolve-organisations.ts';
import { handler as rollUpGaps } from '../functions/streams/roll-up-gaps.ts';
import type { Config } from '../shared/config.ts';
import { createDynamoClient } from '../shared/db/client.ts';

export interface StreamPoller {
  /** Resolves once every record written so far has been handed to the handler (for tests and the demo). */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  readonly processed: number;
}

const IDLE_MS = 250;

export async function startStreamPoller(
  config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'TABLE_NAME'>,
  options: { onError?: (error: unknown) => void } = {},
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

  const iterators = new Map<string, string | null>();
  const finished = new Set<string>();
  let stopped = false;
  let processed = 0;
  let idle = false;

  async function discoverShards() {
    const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of out.StreamDescription?.Shards ?? []) {
      const id = shard.ShardId;
      if (!id || iterators.has(id) || finished.has(id)) continue;
      // Every record still in the stream: the resolver is idempotent, so seeing an old one again costs a read.
      const it = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      iterators.set(id, it.ShardIterator ?? null);
    }
  }

  async function pollOnce(): Promise<number> {
    await discoverShards();
    let seen = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) {
        iterators.delete(shardId);
        finished.add(shardId);
        continue;
      }
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      const records = out.Records ?? [];
      if (records.length > 0) {
        // Busy from here: a drain must not take the time spent in the handlers for a quiet stream.
        idle = false;
        const event = { Records: records.map(toLambdaRecord) } as DynamoDBStreamEvent;
        // The resolver writes mentions the rollup reads on a later poll; both are idempotent, so records after
        // a failure handed to either again are harmless.
        const failed = new Set<string>();
        // As in AWS, the three consumers run side by side; each filters its own records and keeps their order.
        const responses = await Promise.all(
          [resolveOrganisations, rollUpGaps, recordChanges].map((handler) => handler(event)),
        );
        for (const response of responses)
          for (const f of response.batchItemFailures) failed.add(f.itemIdentifier);
        if (failed.size > 0) {
          // Like Lambda: retry from the first failed record on the next poll.
          const first = records.find((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''))?.dynamodb
            ?.SequenceNumber;
          const retry = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ShardIteratorType: 'AT_SEQUENCE_NUMBER',
              SequenceNumber: first,
            }),
          );
          iterators.set(shardId, retry.ShardIterator ?? null);
          const done = records.findIndex((r) => r.dynamodb?.SequenceNumber === first);
          processed += Math.max(0, done);
          seen += Math.max(0, done);
          continue;
        }
        processed += records.length;
        seen += records.length;
      }
      iterators.set(shardId, out.NextShardIterator ?? null);
    }
    return seen;
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        const seen = await pollOnce();
        idle = seen === 0;
      } catch (error) {
        idle = false;
        options.onError?.(error);
      }
      if (idle) await new Promise((r) => setTimeout(r, IDLE_MS));
    }
  })();

  return {
    get processed() {
      return processed;
    },
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // Two idle polls in a row after this call means every earlier record has been handled.
      let quietPolls = 0;
      let last = -1;
      while (quietPolls < 2) {
        if (Date.now() > deadline) throw new Error('stream poller did not drain in time');
        await new Promise((r) => setTimeout(r, IDLE_MS + 50));
        quietPolls = idle && processed === last ? quietPolls + 1 : 0;
        last = processed;
      }
    },
    async stop() {
      stopped = true;
      await loop;
      streams.destroy();
      dynamo.destroy();
    },
  };
}

function toLambdaRecord(record: _Record) {
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
  };
}
