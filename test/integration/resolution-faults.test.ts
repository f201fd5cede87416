// The stream handler under injected faults against DynamoDB Local: throttling of 10%, 50% and 100% of calls,
// cancelled transactions, and the process dying at any call of a run. Failed records are re-delivered as Lambda
// does (from the first reported failure; the whole batch after a crash), and the end state equals a clean run's:
// every mention resolved once, organisation counts exact, block memberships exactly those the mentions list.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/streams/resolve-organisations.ts';
import { currentItem } from '../../shared/grants/grant-repository.ts';
import { seededRandom } from '../../tools/seeded-random.ts';
import {
  crashingClient,
  faultyClient,
  THROTTLE_RATES,
  throttled,
  throttlingClient,
  transactionConflict,
} from '../support/faults.ts';
import { deliverAsLambda, withClient } from '../support/handlers.ts';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();
/** Points inside a run at which the crash test kills the process (besides before the first and after the last call). */
const CRASH_POINTS = 16;

async function scanAll() {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await setup.hub.services.client.send(
      new ScanCommand({ TableName: setup.hub.names.TABLE_NAME, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []).map((i) => unmarshall(i)));
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

let fixtures = 0;
/**
 * Writes one run's grants and returns their stream records. Grant ids start with `tag-`; each run has its own
 * names and registered numbers, so runs never match each other. `charities` recipients get three grants each,
 * from three funders, each writing the name another way; then a pooled fund's grant, a member's FRG040 report
 * of its share, and a doubtful pair (one company number, two names).
 */
async function writeRun(tag: string, charities: number): Promise<DynamoDBRecord[]> {
  const run = ++fixtures;
  const word = `${'Ashdown Birchley Corran Dunmere Elstow Farleigh Glenholm Hartwell Ickworth Jesmond'.split(' ')[run % 10]}${'abcdefghijklmnopqrstuvwxyz'[Math.floor(run / 10) % 26]}`;
  const charityNumber = (c: number) => String(1_200_000 + run * 100 + c);
  const companyNumber = String(8_112_277 + run).padStart(8, '0');
  const grants: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> = [];
  const writers = ['osf', 'macarthur', 'nef'];
  for (let i = 0; i < charities * 3; i++) {
    const funder = writers[i % 3] as string;
    const charity = i % charities;
    const name = [`${word} Refugee Link`, `${word.toUpperCase()} REFUGEE LINK`, `${word} Refugee Link Ltd`][
      Math.floor(i / charities) % 3
    ];
    grants.push([
      funder,
      `${tag}-${i}`,
      {},
      {
        id: `360G-${funder}-${run}-${charity}`,
        name: `${name} ${charity}`,
        charityNumber: charityNumber(charity),
      },
    ]);
  }
  grants.push(
    [
      'epim-detention',
      `${tag}-pool`,
      { amountAwarded: 300000, visibility: 'hub' },
      { id: `360G-pool-${run}`, name: `${word} Refugee Link 0`, charityNumber: charityNumber(0) },
    ],
    [
      'osf',
      `${tag}-share`,
      { amountAwarded: 100000, regrantType: 'FRG040', visibility: 'hub' },
      { id: `360G-osf-share-${run}`, name: `${word} Refugee Link 0`, charityNumber: charityNumber(0) },
    ],
    [
      'osf',
      `${tag}-doubt-a`,
      { visibility: 'hub' },
      { id: `GB-COH-${companyNumber}`, name: `${word} Kestrel Migrant Voice` },
    ],
    [
      'macarthur',
      `${tag}-doubt-b`,
      { visibility: 'hub' },
      { id: `360G-mac-k-${run}`, name: `${word} Osprey Lettings`, companyNumber },
    ],
  );
  const records: DynamoDBRecord[] = [];
  for (const [funder, id, fields, org] of grants) {
    await setup.hub.services.grants.put(setup.ctx(funder, 'editor'), funder, id, {
      ...grantBody(id),
      ...fields,
      recipientOrganization: [org],
    });
    const stored = await setup.hub.services.repos.grants.getCurrent(funder, id);
    if (!stored) throw new Error('not stored');
    records.push({
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: String(run * 1000 + records.length),
        // biome-ignore lint/suspicious/noExplicitAny: Lambda's and the SDK's AttributeValue types are the same JSON
        NewImage: marshall(currentItem(stored), { removeUndefinedValues: true }) as any,
      },
    });
  }
  return records;
}

/**
 * What resolution left for one run's grants, with the run's tag taken out so two runs compare: which grants
 * share an organisation, whether each organisation's count is exact, the pairs and queue entries, money links,
 * and whether the stored block memberships are exactly those the mentions list.
 */
async function shapeOf(tag: string) {
  const items = await scanAll();
  const ours = (grantId: unknown) => String(grantId).startsWith(`${tag}-`);
  const strip = (text: string) => text.replaceAll(`${tag}-`, '');
  const mentions = items.filter((i) => i.entity === 'mention' && ours(i.grantId));
  const byOrg = new Map<string, string[]>();
  for (const m of mentions) {
    byOrg.set(String(m.orgId), [
      ...(byOrg.get(String(m.orgId)) ?? []),
      `${m.funderId}/${strip(String(m.grantId))}`,
    ]);
  }
  const organisations = items.filter((i) => i.entity === 'organisation' && byOrg.has(String(i.orgId)));
  const pairs = items.filter((i) => i.entity === 'pair' && ours((i.a as { grantId: string }).grantId));
  const pairIds = new Set(pairs.map((p) => p.pairId));
  const expectedBlocks = mentions.flatMap((m) =>
    (m.blockKeys as string[]).map((k) => `BLOCK#${k}|${m.mentionId}`),
  );
  const mentionIds = new Set(mentions.map((m) => m.mentionId));
  const storedBlocks = items
    .filter((i) => i.entity === 'block-member' && mentionIds.has(i.SK))
    .map((i) => `${i.PK}|${i.SK}`);
  return {
    mentions: mentions.length,
    organisations: [...byOrg.values()].map((g) => g.sort().join(' ')).sort(),
    organisationItems: organisations.length,
    countsExact: organisations.every((o) => o.mentionCount === byOrg.get(String(o.orgId))?.length),
    pairs: pairs
      .map((p) => {
        const [a, b] = [p.a, p.b] as Array<{ grantId: string }>;
        return `${p.kind} ${p.status} ${strip(a?.grantId ?? '')} ${strip(b?.grantId ?? '')}`;
      })
      .sort(),
    queued: items.filter((i) => i.entity === 'pair-queue' && pairIds.has(i.pairId)).length,
    moneyLinks: mentions
      .filter((m) => m.moneyLink)
      .map((m) => {
        const { decidedAt: _when, ...link } = m.moneyLink as Record<string, unknown>;
        return `${strip(String(m.grantId))} ${strip(JSON.stringify(link))}`;
      })
      .sort(),
    blocksExact: JSON.stringify(storedBlocks.sort()) === JSON.stringify(expectedBlocks.sort()),
    blockMembers: storedBlocks.length,
  };
}

const deliver = (records: DynamoDBRecord[]) => deliverAsLambda(handler, records, 200);

/** A clean run's shape for the big and the small fixture, made once. */
const cleanShapes = new Map<number, Awaited<ReturnType<typeof shapeOf>>>();
async function cleanShape(charities: number) {
  const known = cleanShapes.get(charities);
  if (known) return known;
  const tag = `clean${charities}`;
  await deliver(await writeRun(tag, charities));
  const shape = await shapeOf(tag);
  cleanShapes.set(charities, shape);
  return shape;
}

describe('organisation resolution from the stream under faults', () => {
  it('resolves a clean run as expected', async () => {
    const shape = await cleanShape(10);
    // One organisation per charity, holding exactly its mentions; the doubtful pair stays apart, queued.
    expect(shape.mentions).toBe(34);
    expect(shape.organisations.map((o) => o.split(' ').length).sort((a, b) => a - b)).toEqual([
      1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 5,
    ]);
    expect(shape.organisationItems).toBe(12);
    expect(shape.countsExact).toBe(true);
    expect(shape.pairs).toEqual(['duplicate open doubt-a doubt-b']);
    expect(shape.queued).toBe(2);
    // The member's share counts within the pooled fund's grant.
    expect(shape.moneyLinks).toHaveLength(1);
    expect(shape.moneyLinks[0]).toMatch(/^share \{.*"toMentionId":"epim-detention#pool#0"/);
    expect(shape.moneyLinks[0]).toContain('"kind":"contribution"');
    expect(shape.blocksExact).toBe(true);
    expect(shape.blockMembers).toBeGreaterThan(34);
  });

  it.each(THROTTLE_RATES)('ends equal to a clean run with %s of calls throttled', async (label, share) => {
    const tag = `t${label.replace('%', '')}`;
    const records = await writeRun(tag, 10);
    let rate: number = share;
    const { client, injected } = throttlingClient(() => rate, 5);
    await withClient(client, async () => {
      if (share === 1) {
        // An outage: every record is reported, so Lambda retries the batch, and the table is not touched.
        const before = await setup.hub.snapshot();
        const response = await handler({ Records: records } as DynamoDBStreamEvent);
        expect(response.batchItemFailures).toHaveLength(records.length);
        expect(await setup.hub.snapshot()).toEqual(before);
        rate = 0;
      }
      await deliver(records);
    });
    expect(injected.throttled).toBeGreaterThan(0);
    expect(await shapeOf(tag)).toEqual(await cleanShape(10));
  });

  it('ends equal to a clean run with transactions cancelled and calls throttled, SDK retries off', async () => {
    const records = await writeRun('tx', 10);
    const random = seededRandom(7);
    const injected = { throttled: 0, cancelled: 0 };
    const client = faultyClient(1, (command) => {
      if (command === 'TransactWriteItemsCommand' && random() < 0.25) {
        injected.cancelled += 1;
        return transactionConflict();
      }
      if (random() < 0.08) {
        injected.throttled += 1;
        return throttled();
      }
      return null;
    });
    const seen = await withClient(client, () => deliver(records));
    expect(injected.cancelled).toBeGreaterThan(0);
    expect(injected.throttled).toBeGreaterThan(0);
    expect(seen.reported).toBeGreaterThan(0);
    expect(await shapeOf('tx')).toEqual(await cleanShape(10));
  });

  it('ends equal to a clean run when the process dies at any point of a run and Lambda re-delivers the batch', async () => {
    const clean = await cleanShape(2);
    // How many calls a whole run of this fixture makes, counted on a run of its own.
    const counting = crashingClient(Number.POSITIVE_INFINITY);
    const records = await writeRun('count', 2);
    await withClient(counting.client, () => deliver(records));
    expect(await shapeOf('count')).toEqual(clean);
    const total = counting.made.calls;
    expect(total).toBeGreaterThan(20);
    // Death before the first call, after the last, and at points spread over every step in between.
    const step = Math.max(1, Math.ceil(total / CRASH_POINTS));
    const points = [
      ...new Set([0, ...Array.from({ length: CRASH_POINTS }, (_, i) => i * step + 1), total - 1]),
    ].filter((p) => p < total);
    for (const point of points) {
      const tag = `crash${point}`;
      const batch = await writeRun(tag, 2);
      const dying = crashingClient(point);
      // The dead process answers nothing: its response is lost and Lambda re-delivers the whole batch to a
      // new one (new services, nothing remembered from the dead run).
      await withClient(dying.client, () => handler({ Records: batch } as DynamoDBStreamEvent));
      expect(dying.made.calls).toBe(point);
      await withClient(setup.hub.services.client, () => deliver(batch));
      expect({ point, shape: await shapeOf(tag) }).toEqual({ point, shape: clean });
    }
    // About 18 runs of ten grants each: given room for a loaded machine (alone it takes about 15 s).
  }, 240_000);
});
