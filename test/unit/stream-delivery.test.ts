// How a stream record that keeps failing is handled: by the consumer (counted, then set aside so the shard goes
// on) and by the event source mapping the local poller follows (retry from the first failure, bisect on a
// function error, bounded retries, then the on-failure destination), from the same configuration as CDK.
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deliverBatch } from '../../local/stream-poller.ts';
import type { DeadLetterRepository, FailedRecord } from '../../shared/streams/dead-letter-repository.ts';
import { matchesFilter, STREAM_CONSUMERS, streamConsumer } from '../../shared/streams/event-sources.ts';
import { inOrderStreamHandler } from '../../shared/streams/in-order.ts';
import { ownerOfKeys } from '../../shared/streams/set-aside.ts';

const recordOf = (n: number, pk = `GRANT#osf#g-${n}`): DynamoDBRecord => ({
  eventID: `e${n}`,
  eventName: 'MODIFY',
  dynamodb: { SequenceNumber: String(n), Keys: { PK: { S: pk }, SK: { S: 'CURRENT' } } },
});
const seq = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber ?? '';

/** A dead-letter store in memory, with what was set aside and the audit events written. */
function memoryStore() {
  const attempts = new Map<string, number>();
  const setAside: Array<{ failed: FailedRecord; audited: boolean }> = [];
  const repo = {
    async countFailure(failed: FailedRecord) {
      const n = (attempts.get(failed.eventId) ?? 0) + 1;
      attempts.set(failed.eventId, n);
      return n;
    },
    async setAside(failed: FailedRecord, _at: string, audit: unknown) {
      if (setAside.some((s) => s.failed.eventId === failed.eventId)) return false;
      setAside.push({ failed, audited: audit !== null });
      return true;
    },
  } as unknown as DeadLetterRepository;
  return { repo, attempts, setAside };
}

const config = streamConsumer('resolve-organisations');

describe('a consumer with a record that keeps failing', () => {
  it('reports it for retry until its limit, then sets it aside (with an audit event) and goes on', async () => {
    const store = memoryStore();
    const done: string[] = [];
    const handler = inOrderStreamHandler(
      async (r) => {
        if (seq(r) === '2') throw new Error('cannot parse this grant');
        done.push(seq(r));
      },
      { consumer: 'resolve-organisations', maxAttempts: 3, deadLetters: () => store.repo },
    );
    const event = { Records: [recordOf(1), recordOf(2), recordOf(3)] } as DynamoDBStreamEvent;
    for (let attempt = 1; attempt < 3; attempt++) {
      const out = await handler(event);
      expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['2', '3']);
    }
    expect(done).toEqual(['1', '1']);
    const last = await handler(event);
    expect(last.batchItemFailures).toEqual([]);
    expect(done).toEqual(['1', '1', '1', '3']);
    expect(store.setAside).toHaveLength(1);
    expect(store.setAside[0]?.failed).toMatchObject({
      consumer: 'resolve-organisations',
      eventId: 'e2',
      funderId: 'osf',
      grantId: 'g-2',
      reason: 'Error: cannot parse this grant',
    });
    expect(store.setAside[0]?.audited).toBe(true);
  });

  it('never counts a passing fault (throttling): the record waits for Lambda as long as it lasts', async () => {
    const store = memoryStore();
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const handler = inOrderStreamHandler(
      async () => {
        throw throttled;
      },
      { consumer: 'roll-up-gaps', maxAttempts: 3, deadLetters: () => store.repo },
    );
    for (let i = 0; i < 5; i++) {
      const out = await handler({ Records: [recordOf(1)] } as DynamoDBStreamEvent);
      expect(out.batchItemFailures).toHaveLength(1);
    }
    expect(store.attempts.size).toBe(0);
    expect(store.setAside).toEqual([]);
  });

  it('keeps the records after it waiting when even the dead-letter store cannot be written', async () => {
    const broken = {
      countFailure: async () => {
        throw new Error('table unavailable');
      },
    } as unknown as DeadLetterRepository;
    const seen: string[] = [];
    const handler = inOrderStreamHandler(
      async (r) => {
        seen.push(seq(r));
        if (seq(r) === '1') throw new Error('bad record');
      },
      { consumer: 'record-changes', maxAttempts: 1, deadLetters: () => broken },
    );
    const out = await handler({ Records: [recordOf(1), recordOf(2)] } as DynamoDBStreamEvent);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['1', '2']);
    expect(seen).toEqual(['1']);
  });

  it('finds the owner of a record from its keys alone', () => {
    expect(ownerOfKeys('GRANT#osf#360G-X 1')).toEqual({ funderId: 'osf', grantId: '360G-X 1' });
    expect(ownerOfKeys('MENTION#abct#g-9')).toEqual({ funderId: 'abct', grantId: 'g-9' });
    expect(ownerOfKeys('ORG#x')).toEqual({ funderId: null, grantId: null });
  });
});

describe('the event source mapping, as the local poller runs it', () => {
  it('uses the settings CDK deploys: bounded retries above the consumer limit, bisect on error', () => {
    for (const c of STREAM_CONSUMERS) {
      expect(c.recordAttempts).toBeLessThan(c.maxRetryAttempts);
      expect(c.bisectBatchOnFunctionError).toBe(true);
    }
  });

  it('retries from the first reported failure and parks what still fails after the last retry', async () => {
    const calls: string[][] = [];
    const parked: Array<{ ids: string[]; reason: string }> = [];
    await deliverBatch(
      { ...config, maxRetryAttempts: 2 },
      async (event) => {
        calls.push(event.Records.map(seq));
        return {
          batchItemFailures: event.Records.filter((r) => seq(r) === '3').map((r) => ({
            itemIdentifier: seq(r),
          })),
        };
      },
      [recordOf(1), recordOf(2), recordOf(3), recordOf(4)],
      async (records, reason) => {
        parked.push({ ids: records.map(seq), reason });
      },
      () => 0,
    );
    expect(calls).toEqual([
      ['1', '2', '3', '4'],
      ['3', '4'],
      ['3', '4'],
    ]);
    expect(parked).toEqual([{ ids: ['3', '4'], reason: expect.stringMatching(/2 retries ran out/) }]);
  });

  it('bisects a batch whose invocation fails, so one poison record takes only itself down', async () => {
    const parked: string[] = [];
    const handled = new Set<string>();
    await deliverBatch(
      { ...config, maxRetryAttempts: 1 },
      async (event) => {
        if (event.Records.some((r) => seq(r) === '3')) throw new Error('function crashed');
        for (const r of event.Records) handled.add(seq(r));
        return { batchItemFailures: [] };
      },
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => recordOf(n)),
      async (records) => {
        parked.push(...records.map(seq));
      },
      () => 0,
    );
    expect(parked).toEqual(['3']);
    expect([...handled].sort()).toEqual(['1', '2', '4', '5', '6', '7', '8']);
  });

  it('applies the event filters CDK deploys', () => {
    const grant = { dynamodb: { NewImage: { entity: { S: 'grant' }, SK: { S: 'CURRENT' } }, Keys: {} } };
    const mention = { dynamodb: { Keys: { PK: { S: 'MENTION#osf#g' }, SK: { S: 'R#00' } } } };
    expect(matchesFilter(streamConsumer('resolve-organisations').filter, grant)).toBe(true);
    expect(matchesFilter(streamConsumer('resolve-organisations').filter, mention)).toBe(false);
    expect(matchesFilter(streamConsumer('roll-up-gaps').filter, mention)).toBe(true);
    expect(matchesFilter(streamConsumer('roll-up-gaps').filter, grant)).toBe(false);
  });
});
