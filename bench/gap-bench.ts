// Gap queries as the hub grows: read capacity and latency of a heat map and a drill-down with 10,000 and
// 100,000 grants rolled up, and the lag from the end of a batch import until the gap cells show it.
import { BatchWriteCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { GapQuerySchema } from '../schemas/gaps.ts';
import type { StoredMention } from '../schemas/organisation.ts';
import { REGIONS, THEMES } from '../schemas/taxonomy.ts';
import type { Principal } from '../schemas/tenancy.ts';
import { createDocumentClient, createDynamoClient } from '../shared/db/client.ts';
import { backoff } from '../shared/db/items.ts';
import { gapCellKey, gapGranteeKey, gapYearsKey } from '../shared/db/keys.ts';
import { cellKeyOf, contributionOf } from '../shared/gaps/contribution.ts';
import { keyedNoise } from '../shared/gaps/gap-math.ts';
import type { RollupMeter } from '../shared/gaps/gap-repository.ts';
import { seededRandom } from '../tools/seeded-random.ts';
import { stubMention } from '../tools/stub-mention.ts';
import { benchServices } from './bench-hub.ts';
import { itemSize } from './capacity.ts';
import { percentile } from './percentile.ts';

const FUNDERS = Array.from({ length: 20 }, (_, i) => `funder-${String(i).padStart(2, '0')}`);
const VISIBILITIES = ['hub', 'public', 'private', 'collaborative:collab-a'] as const;
/** A cell holds at most one figure per funder and visibility: the bound its size grows to. */
export const GAP_BENCH_SLOTS = FUNDERS.length * VISIBILITIES.length;
const VIEWER: Principal = {
  funderId: 'funder-00',
  memberId: 'bench',
  keyId: 'bench',
  role: 'viewer',
  collaboratives: ['collab-a'],
};
const QUERIES = {
  'heat map (theme x region, all years)': { groupBy: 'theme,region' },
  'one theme by region and year, with dependent grantees': { theme: 'governance', groupBy: 'region,year' },
  'one region, one year, total': { region: 'europe', yearFrom: '2020', yearTo: '2020', groupBy: '' },
} as const;

export interface GapQuerySample {
  grants: number;
  query: string;
  p50Ms: number;
  p95Ms: number;
  rcu: number;
  rcuReported: number;
  calls: Record<string, number>;
  cells: number;
}

export interface GapBenchResult {
  repeats: number;
  samples: GapQuerySample[];
  cellItems: Record<number, number>;
  /** Per size: the average cell item's bytes and funder-visibility figures (of FUNDERS x 4 possible). */
  cellShape: Record<number, { bytes: number; slots: number }>;
  lag: { grants: number; importSeconds: number; lagSeconds: number; endToEndPerSecond: number };
}

/** A generated grant's first recipient mention, resolved: what the rollup reads. */
function mentionOf(i: number, random: () => number, grantees: number): StoredMention {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const themes = random() < 0.25 ? [pick(THEMES), pick(THEMES)] : [pick(THEMES)];
  const visibility = pick([VISIBILITIES[0], ...VISIBILITIES]);
  return stubMention({
    mentionId: `m${i}`,
    funderId: pick(FUNDERS),
    grantId: `g${i}`,
    visibility,
    amount: Math.round(5_000 + random() * 200_000),
    currency: pick(['USD', 'USD', 'GBP', 'EUR'] as const),
    awardDate: `${2010 + Math.floor(random() * 15)}-06-01`,
    themes: [...new Set(themes)].sort(),
    regions: random() < 0.1 ? [] : [pick(REGIONS)],
    // Grantees get repeat grants, as in the real files (about 1.6 grants per recipient).
    orgId: `org_${Math.floor(random() * grantees)}`,
  });
}

export async function runGapBench(options: {
  sizes: number[];
  repeats: number;
  lagGrants: number;
  startDynamo: () => Promise<{ endpoint: string; stop(): Promise<void> }>;
  log: (line: string) => void;
}): Promise<GapBenchResult> {
  const { log } = options;
  const samples: GapQuerySample[] = [];
  const cellItems: Record<number, number> = {};
  const cellShape: GapBenchResult['cellShape'] = {};
  for (const size of options.sizes) {
    const dynamo = await options.startDynamo();
    try {
      const { names, config, services, meter } = await benchServices(dynamo.endpoint, true);
      if (!meter) throw new Error('the gap bench is always metered');
      const at = new Date().toISOString();
      for (const id of FUNDERS) {
        await services.repos.funders.create({
          id,
          name: id,
          kind: 'funder',
          identifiers: [],
          status: id === 'funder-07' ? 'exiting' : 'active',
          createdAt: at,
          updatedAt: at,
        });
      }
      // The cells the rollup would hold after `size` grants: the same contributions, summed here and written
      // with BatchWriteItem (the fault test shows the stream rollup ends in exactly these sums).
      const random = seededRandom(size);
      const cells = new Map<
        string,
        { key: ReturnType<typeof gapCellKey>; item: Record<string, NativeAttributeValue> }
      >();
      const years = new Set<string>();
      const noise = keyedNoise(await services.secrets.keyFor('gap-noise'));
      for (let i = 0; i < size; i++) {
        for (const { cell, values } of contributionOf(mentionOf(i, random, Math.ceil(size / 1.6)), noise)) {
          const id = cellKeyOf(cell);
          const entry = cells.get(id) ?? {
            key: gapCellKey(cell),
            item: { ...gapCellKey(cell), ...cell, entity: 'gap-cell' },
          };
          for (const [name, value] of Object.entries(values)) {
            // Grantee figures go to the grantee's own item beside the cell, as the repository writes them.
            const orgId = name.startsWith('g|') ? name.split('|')[1] : undefined;
            const target = orgId
              ? (cells.get(`${id}#${orgId}`) ?? {
                  key: gapGranteeKey(cell, orgId),
                  item: { ...gapGranteeKey(cell, orgId), ...cell, entity: 'gap-grantee' },
                })
              : entry;
            target.item[name] = (target.item[name] ?? 0) + value;
            if (orgId) cells.set(`${id}#${orgId}`, target);
          }
          cells.set(id, entry);
          years.add(String(cell.year));
        }
      }
      const doc = createDocumentClient(createDynamoClient(config));
      const items = [...cells.values()].map((c) => c.item);
      items.push({ ...gapYearsKey(), entity: 'gap-years', years: new Set(years) });
      for (let i = 0; i < items.length; i += 25) {
        let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 0) await backoff(attempt);
          const out = await doc.send(
            new BatchWriteCommand({ RequestItems: { [names.TABLE_NAME]: requests } }),
          );
          requests = (out.UnprocessedItems?.[names.TABLE_NAME] ?? []) as typeof requests;
        }
      }
      const cellCount = [...cells.values()].filter((c) => c.item.entity === 'gap-cell').length;
      cellItems[size] = cellCount;
      const cellBodies = [...cells.values()].filter((c) => c.item.entity === 'gap-cell');
      cellShape[size] = {
        bytes: cellBodies.reduce((sum, c) => sum + itemSize(c.item), 0) / cellCount,
        slots:
          cellBodies.reduce(
            (sum, c) => sum + Object.keys(c.item).filter((k) => k.startsWith('a|')).length,
            0,
          ) / cellCount,
      };
      log(
        `gaps: ${size} grants rolled up into ${cellCount} cells and ${cells.size - cellCount} grantee items`,
      );

      for (const [label, raw] of Object.entries(QUERIES)) {
        const query = GapQuerySchema.parse(raw);
        await services.gaps.gaps({ principal: VIEWER }, query); // warm-up
        const times: number[] = [];
        let reported = 0;
        let rcu = 0;
        const calls: Record<string, number> = {};
        let shown = 0;
        for (let r = 0; r < options.repeats; r++) {
          meter.reset();
          const own: RollupMeter = { read: 0, write: 0 };
          const started = performance.now();
          const out = await services.gaps.gaps({ principal: VIEWER }, query, own);
          times.push(performance.now() - started);
          reported += meter.reportedRead;
          rcu += meter.read;
          for (const [k, v] of Object.entries(meter.calls)) calls[k] = (calls[k] ?? 0) + v;
          shown = out.cells.length;
        }
        times.sort((a, b) => a - b);
        samples.push({
          grants: size,
          query: label,
          p50Ms: percentile(times, 0.5),
          p95Ms: percentile(times, 0.95),
          rcu: rcu / options.repeats,
          rcuReported: reported / options.repeats,
          calls: Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, v / options.repeats])),
          cells: shown,
        });
        log(
          `gaps: ${size} grants, ${label}: p50 ${percentile(times, 0.5).toFixed(1)} ms, ${(rcu / options.repeats).toFixed(1)} RCU`,
        );
      }
    } finally {
      await dynamo.stop();
    }
  }
  return { repeats: options.repeats, samples, cellItems, cellShape, lag: await measureLag(options) };
}

/**
 * Lag: a batch of grants goes in through the grant service with the stream poller running (organisation
 * resolution, then the rollup, as in AWS); the clock runs from the last accepted batch until the gap total
 * includes every grant.
 */
async function measureLag(options: {
  lagGrants: number;
  startDynamo: () => Promise<{ endpoint: string; stop(): Promise<void> }>;
  log: (line: string) => void;
}) {
  const { startStreamPoller } = await import('../local/stream-poller.ts');
  const { setServicesForTests } = await import('../shared/services.ts');
  const dynamo = await options.startDynamo();
  try {
    const { services, config } = await benchServices(dynamo.endpoint, false);
    setServicesForTests(services);
    const at = new Date().toISOString();
    await services.repos.funders.create({
      id: 'funder-00',
      name: 'funder-00',
      kind: 'funder',
      identifiers: [],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    const poller = await startStreamPoller(config, {
      onError: (error) =>
        options.log(`gaps: stream poller: ${error instanceof Error ? error.message : error}`),
    });
    const random = seededRandom(99);
    const started = performance.now();
    let expectedCents = 0;
    for (let i = 0; i < options.lagGrants; i += 100) {
      const grants = Array.from({ length: Math.min(100, options.lagGrants - i) }, (_, j) => {
        const amount = Math.round(5_000 + random() * 100_000);
        expectedCents += amount * 100;
        return {
          id: `lag-${i + j}`,
          title: `Lag grant ${i + j}`,
          description: 'Bench',
          currency: 'USD',
          amountAwarded: amount,
          awardDate: '2024-05-01',
          recipientOrganization: [
            { id: `360G-lag-${i + j}`, name: `Lag Grantee ${Math.floor(random() * 1e9)}` },
          ],
          fundingOrganization: [{ id: 'GB-CHC-1', name: 'Funder' }],
          themes: ['governance'],
          regions: ['europe'],
          visibility: 'private',
        };
      });
      await services.grants.batchUpsert(
        { principal: { ...VIEWER, role: 'editor', collaboratives: [] } },
        { grants },
      );
    }
    const imported = performance.now();
    const query = GapQuerySchema.parse({ groupBy: '' });
    const ctx = { principal: { ...VIEWER, collaboratives: [] } };
    for (;;) {
      const out = await services.gaps.gaps(ctx, query);
      if (Math.round((out.cells[0]?.totalAwarded ?? 0) * 100) >= expectedCents) break;
      if (performance.now() - imported > 30 * 60_000)
        throw new Error('rollup did not catch up in 30 minutes');
      await new Promise((r) => setTimeout(r, 250));
    }
    const done = performance.now();
    await poller.stop();
    const lagSeconds = (done - imported) / 1000;
    options.log(`gaps: rollup lag after importing ${options.lagGrants} grants: ${lagSeconds.toFixed(1)} s`);
    return {
      grants: options.lagGrants,
      importSeconds: (imported - started) / 1000,
      lagSeconds,
      endToEndPerSecond: options.lagGrants / ((done - started) / 1000),
    };
  } finally {
    await dynamo.stop();
  }
}
