// Stream handlers keep a batch in order: after a failed record the rest wait for Lambda's re-delivery.
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { inOrderStreamHandler } from '../../shared/streams/in-order.ts';

const batch = (n: number) =>
  ({
    Records: Array.from({ length: n }, (_, i) => ({
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: String(i + 1) },
    })),
  }) as DynamoDBStreamEvent;
const sequence = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber ?? '';

describe('in-order stream handler', () => {
  it('processes every record in order when none fails', async () => {
    const seen: string[] = [];
    const handler = inOrderStreamHandler(async (r) => {
      seen.push(sequence(r));
    });
    expect(await handler(batch(4))).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(['1', '2', '3', '4']);
  });

  it('reports the failed record and every later one without processing them', async () => {
    const seen: string[] = [];
    const handler = inOrderStreamHandler(async (r) => {
      seen.push(sequence(r));
      if (sequence(r) === '2') throw new Error('throttled');
    });
    const out = await handler(batch(4));
    expect(seen).toEqual(['1', '2']);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['2', '3', '4']);
    // The next invocation starts afresh.
    seen.length = 0;
    const again = await inOrderStreamHandler(async (r) => {
      seen.push(sequence(r));
    })(batch(2));
    expect(again.batchItemFailures).toEqual([]);
    expect(seen).toEqual(['1', '2']);
  });

  it('keeps concurrent invocations apart', async () => {
    const handler = inOrderStreamHandler(async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (sequence(r) === '1' && r.eventName === 'REMOVE') throw new Error('fails in one batch only');
    });
    const failing = {
      Records: [{ eventName: 'REMOVE', dynamodb: { SequenceNumber: '1' } }],
    } as DynamoDBStreamEvent;
    const [a, b] = await Promise.all([handler(failing), handler(batch(3))]);
    expect(a.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1']);
    expect(b.batchItemFailures).toEqual([]);
  });
});
