// The gap rollups from the stream handler against DynamoDB Local: repeated, concurrent, stale and faulty
// deliveries end in exactly the cells a clean run of the final mentions gives: nothing lost, nothing doubled.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/streams/roll-up-gaps.ts';
import { GapQuerySchema } from '../../schemas/gaps.ts';
import type { StoredMention } from '../../schemas/organisation.ts';
import { GRANT_UNITS } from '../../shared/gaps/contribution.ts';
import { mentionItem } from '../../shared/organisations/resolution-repository.ts';
import { seededRandom } from '../../tools/seeded-random.ts';
import {
  faultyClient,
  THROTTLE_RATES,
  throttled,
  throttlingClient,
  transactionConflict,
} from '../support/faults.ts';
import { deliverAsLambda, withClient } from '../support/handlers.ts';
import { rollupCells } from '../support/rollup-cells.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

const { mentionOf, storedCells, expectedCells } = rollupCells(setup);

let sequence = 0;
function record(next: StoredMention | null, previous: StoredMention | null): DynamoDBRecord {
  // biome-ignore lint/suspicious/noExplicitAny: Lambda's and the SDK's AttributeValue types are the same JSON
  const image = (m: StoredMention) => marshall(mentionItem(m), { removeUndefinedValues: true }) as any;
  return {
    eventName: next && previous ? 'MODIFY' : next ? 'INSERT' : 'REMOVE',
    dynamodb: {
      SequenceNumber: String(++sequence),
      ...(next ? { NewImage: image(next) } : {}),
      ...(previous ? { OldImage: image(previous) } : {}),
    },
  };
}

/** Every mention delivered so far, as it finally is: the expected cells are the sum of what each contributes. */
const finals = new Map<string, StoredMention>();

/**
 * 24 new mentions in four funders' names, six of them then re-classified and four deleted; delivered at least
 * once as Lambda does (the whole stream twice, then stale first versions of the re-classified ones).
 */
async function scenario(): Promise<DynamoDBRecord[]> {
  const funders = ['osf', 'macarthur', 'nef', 'epim-detention'];
  const first: StoredMention[] = [];
  for (let i = 0; i < 24; i++) {
    first.push(
      await mentionOf(funders[i % 4] as string, {
        themes: i % 5 === 0 ? ['governance', 'integration'] : ['governance'],
        regions: i % 3 === 0 ? [] : ['europe'],
        currency: i % 4 === 0 ? 'EUR' : 'USD',
        awardDate: `${2015 + (i % 4)}-03-01`,
        ...(i === 7 ? { regrantType: 'FRG040' } : {}),
      }),
    );
  }
  const records = first.map((m) => record(m, null));
  for (const m of first) finals.set(m.mentionId, m);
  // Re-classified: a new revision in other cells.
  for (const m of first.slice(0, 6)) {
    const next = { ...m, regions: ['global'], themes: ['asylum-systems'], revision: m.revision + 1 };
    records.push(record(next, m));
    finals.set(m.mentionId, next);
  }
  // Deleted grants: the mention is removed.
  for (const m of first.slice(6, 10)) {
    records.push(record(null, m));
    finals.delete(m.mentionId);
  }
  const stream = [
    ...records,
    ...records.map((r) => ({ ...r })),
    ...first.slice(0, 6).map((m) => record(m, null)),
  ];
  stream.forEach((r, i) => {
    if (r.dynamodb) r.dynamodb.SequenceNumber = String(10_000 + sequence + i);
  });
  sequence += stream.length;
  return stream;
}

/** Delivers the stream as Lambda does, the handler's services on `client`. */
const deliverWith = (client: DynamoDBClient, stream: DynamoDBRecord[]) =>
  withClient(client, () => deliverAsLambda(handler, stream));

describe('gap rollups from the stream', () => {
  it('ends in the cells of the final mentions under cancelled transactions, throttled reads and repeated, stale deliveries', async () => {
    const stream = await scenario();
    const random = seededRandom(11);
    const injected = { throttled: 0, cancelled: 0 };
    let calls = 0;
    const client = faultyClient(1, (command) => {
      calls += 1;
      // The first transaction is always cancelled and the first read throttled, so both paths run every time.
      if (command === 'TransactWriteItemsCommand' && (injected.cancelled === 0 || random() < 0.25)) {
        injected.cancelled += 1;
        return transactionConflict();
      }
      if (command === 'GetItemCommand' && (injected.throttled === 0 || random() < 0.1)) {
        injected.throttled += 1;
        return throttled();
      }
      return null;
    });
    await deliverWith(client, stream);
    expect(injected.cancelled).toBeGreaterThan(0);
    expect(injected.throttled).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(stream.length);
    expect(await storedCells()).toEqual(await expectedCells([...finals.values()]));
  });

  it.each(THROTTLE_RATES)(
    'ends in the cells of the final mentions with %s of calls throttled',
    async (_label, share) => {
      const stream = await scenario();
      let rate: number = share;
      const { client, injected } = throttlingClient(() => rate, 13);
      if (share === 1) {
        // An outage: every record is reported and no cell moves; then the table recovers.
        const before = await storedCells();
        const response = await withClient(client, () => handler({ Records: stream } as DynamoDBStreamEvent));
        expect(response.batchItemFailures).toHaveLength(stream.length);
        expect(await storedCells()).toEqual(before);
        rate = 0;
      }
      await deliverWith(client, stream);
      expect(injected.throttled).toBeGreaterThan(0);
      expect(await storedCells()).toEqual(await expectedCells([...finals.values()]));
    },
  );

  it('counts a change delivered three times at once only once', async () => {
    const before = await storedCells();
    const m = await mentionOf('osf', { awardDate: '2019-01-01', regions: ['africa'] });
    const event = { Records: [record(m, null)] } as DynamoDBStreamEvent;
    await Promise.all([handler(event), handler(event), handler(event)]);
    const after = await storedCells();
    const key = `2019#governance#africa a|osf|hub`;
    expect(after[key]).toBe(Math.round(m.amount * 100));
    // Amount, grant share and grantee in the cell, and the grant in its year's total: each once.
    expect(Object.keys(after).length).toBe(Object.keys(before).length + 4);
    expect(after[`2019#*#* n|osf|hub`]).toBe((before[`2019#*#* n|osf|hub`] ?? 0) + GRANT_UNITS);
  });

  it('still answers, to the nearest double, for a cell holding more cents than 2^53', async () => {
    // Eight grants at the largest amount the hub accepts (1e13 GBP, about 1.5e15 US cents each) pass 2^53 cents.
    for (let i = 0; i < 8; i++) {
      const m = await mentionOf('osf', {
        awardDate: '2015-06-01',
        currency: 'GBP',
        // Amounts apart, so that no grant is taken for a re-upload of another.
        amountAwarded: 1e13 - i * 1e9,
        themes: ['education'],
        regions: ['asia-middle-east'],
      });
      await handler({ Records: [record(m, null)] } as DynamoDBStreamEvent);
    }
    const out = await setup.hub.services.gaps.gaps(
      setup.ctx('osf', 'viewer'),
      GapQuerySchema.parse({
        theme: 'education',
        region: 'asia-middle-east',
        yearFrom: '2015',
        yearTo: '2015',
        groupBy: '',
      }),
    );
    const [cell] = out.cells;
    expect((cell?.totalAwarded ?? 0) * 100).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(cell?.totalAwarded).toBeCloseTo((8 * 1e13 - 28e9) * 1.5283, -12);
    expect(cell?.grants).toBe(8);
  });
});
