// Gaps over HTTP, rolled up from the table stream: bad input is refused by field, and no combination of gap
// queries lets one funder recover another funder's private figure (the disclosure rule), while cells with enough
// funders having private money still show a perturbed figure of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCofund } from '../support/cli.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;

interface Fixture {
  funder: string;
  year: number;
  region: string;
  amount: number;
  visibility: string;
}
// macarthur attacks; osf, nef and epim-detention hold private grants in cells of governance. Amounts are
// irregular so that unrelated sums cannot equal a secret by coincidence.
const FIXTURE: Fixture[] = [
  // 2020 Europe: three hidden funders, none dominating: may be shown as a hub figure.
  { funder: 'osf', year: 2020, region: 'europe', amount: 100003, visibility: 'private' },
  { funder: 'nef', year: 2020, region: 'europe', amount: 80017, visibility: 'private' },
  { funder: 'epim-detention', year: 2020, region: 'europe', amount: 60029, visibility: 'private' },
  { funder: 'macarthur', year: 2020, region: 'europe', amount: 50041, visibility: 'hub' },
  // 2021 Europe: one hidden funder.
  { funder: 'osf', year: 2021, region: 'europe', amount: 70053, visibility: 'private' },
  { funder: 'macarthur', year: 2021, region: 'europe', amount: 40067, visibility: 'hub' },
  // 2022 Europe: two hidden funders.
  { funder: 'osf', year: 2022, region: 'europe', amount: 90079, visibility: 'private' },
  { funder: 'nef', year: 2022, region: 'europe', amount: 30097, visibility: 'private' },
  // 2023 Europe: three hidden funders, one dominating.
  { funder: 'osf', year: 2023, region: 'europe', amount: 1000101, visibility: 'private' },
  { funder: 'nef', year: 2023, region: 'europe', amount: 10113, visibility: 'private' },
  { funder: 'epim-detention', year: 2023, region: 'europe', amount: 10127, visibility: 'private' },
  // 2020 global: three hidden funders.
  { funder: 'osf', year: 2020, region: 'global', amount: 55139, visibility: 'private' },
  { funder: 'nef', year: 2020, region: 'global', amount: 45151, visibility: 'private' },
  { funder: 'epim-detention', year: 2020, region: 'global', amount: 35163, visibility: 'private' },
];

const ATTACKER = 'macarthur';
/** nef attacks too: in cells it shares with osf alone, it knows its own part and must not learn osf's. */
const ATTACKERS = ['macarthur', 'nef'];
const HIDDEN = ['osf', 'nef', 'epim-detention'];

beforeAll(async () => {
  hub = await startTestHub({ server: true, streams: true });
  world = await buildWorld(hub.services);
  let n = 0;
  for (const g of FIXTURE) {
    n += 1;
    const id = `gap-${n}`;
    const res = await hub.request(
      world.keys[g.funder]?.editor ?? null,
      'PUT',
      `/v1/grants/${g.funder}/${id}`,
      grantBody(id, {
        amountAwarded: g.amount,
        awardDate: `${g.year}-05-01`,
        regions: [g.region],
        themes: ['governance'],
        visibility: g.visibility,
        recipientOrganization: [{ id: `360G-${g.funder}-${n}`, name: `Grantee number ${n} of ${g.funder}` }],
      }),
    );
    expect(res.status, res.text).toBeLessThan(300);
  }
  await hub.poller?.drain(120_000);
}, 180_000);
afterAll(async () => hub?.close());

const get = (funder: string, query: string) =>
  hub.request(world.keys[funder]?.viewer ?? null, 'GET', `/v1/gaps${query}`);

describe('GET /v1/gaps input', () => {
  it.each([
    ['?groupBy=theme,colour', 'query.groupBy'],
    ['?yearFrom=2022&yearTo=2020', 'query.yearFrom'],
    ['?theme=weather', 'query.theme'],
    ['?region=atlantis', 'query.region'],
    ['?yearFrom=nineteen', 'query.yearFrom'],
    ['?funder=osf', 'query'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const res = await get(ATTACKER, query);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(res.body.errors)).toContain(field);
  });

  it('answers 401 without a key', async () => {
    expect((await hub.request(null, 'GET', '/v1/gaps')).status).toBe(401);
  });
});

describe('the k-funder rule against differencing', () => {
  const groupings = ['', 'theme', 'region', 'year', 'theme,region', 'region,year', 'theme,region,year'];
  const filters = [
    '',
    '&region=europe',
    '&region=global',
    '&theme=governance',
    '&yearFrom=2020&yearTo=2020',
    '&yearFrom=2021',
    '&yearTo=2022',
    '&yearFrom=2021&yearTo=2023',
    '&collaborative=epim',
  ];

  type Cell = {
    theme: string | null;
    region: string | null;
    year: number | null;
    totalAwarded: number;
    privateFundingEstimate: number | null;
  };
  type Answer = Cell & { query: string; attacker: string };
  let cells: Answer[] = [];

  beforeAll(async () => {
    for (const attacker of ATTACKERS) {
      for (const g of groupings) {
        for (const f of filters) {
          const query = `?groupBy=${g}${f}`;
          const res = await get(attacker, query);
          expect(res.status, res.text).toBe(200);
          cells.push(...(res.body.cells as Cell[]).map((c) => ({ ...c, query, attacker })));
        }
      }
    }
    cells = cells.filter((c) => c.totalAwarded > 0 || c.privateFundingEstimate !== null);
  }, 120_000);

  /** What the attacker knows anyway: its own grants and what is shared with it, inside the cell's bounds. */
  function visibleTo(c: Answer): number {
    const params = new URLSearchParams(c.query.slice(1));
    const from = Number(params.get('yearFrom') ?? 0);
    const to = Number(params.get('yearTo') ?? 9999);
    return FIXTURE.filter(
      (g) =>
        (g.funder === c.attacker || g.visibility !== 'private') &&
        (c.region === null || g.region === c.region) &&
        (params.get('region') === null || g.region === params.get('region')) &&
        (c.year === null || g.year === c.year) &&
        g.year >= from &&
        g.year <= to,
    ).reduce((sum, g) => sum + g.amount, 0);
  }

  it.each(ATTACKERS)(
    "never reveals a hidden funder's private figure to %s, alone or as the difference of two answers",
    (attacker) => {
      const answers = cells.filter((c) => c.attacker === attacker);
      const hiddenParts = [
        0,
        ...new Set(
          answers.flatMap((c) => [
            Math.round((c.totalAwarded - visibleTo(c)) * 100),
            Math.round(((c.privateFundingEstimate ?? 0) + c.totalAwarded - visibleTo(c)) * 100),
          ]),
        ),
      ];
      // Every private figure of each hidden funder: per cell, per year, per region, and in total.
      const secrets = new Set<number>();
      for (const funder of HIDDEN.filter((f) => f !== attacker)) {
        const own = FIXTURE.filter((g) => g.funder === funder);
        const sums = [
          ...own.map((g) => g.amount),
          own.reduce((s, g) => s + g.amount, 0),
          ...[2020, 2021, 2022, 2023].map((y) =>
            own.filter((g) => g.year === y).reduce((s, g) => s + g.amount, 0),
          ),
          ...['europe', 'global'].map((r) =>
            own.filter((g) => g.region === r).reduce((s, g) => s + g.amount, 0),
          ),
        ];
        for (const s of sums) if (s > 0) secrets.add(s * 100);
      }
      const leaks: string[] = [];
      for (const a of hiddenParts) {
        for (const b of hiddenParts) {
          if (secrets.has(a - b)) leaks.push(`${a / 100} - ${b / 100}`);
        }
      }
      expect(leaks).toEqual([]);
    },
  );

  it('counts only readable records exactly, and shows a perturbed private figure where three funders have one', () => {
    const of = (attacker: string) =>
      cells.find(
        (c) =>
          c.attacker === attacker &&
          c.year === 2020 &&
          c.region === 'europe' &&
          c.theme === 'governance' &&
          c.query === '?groupBy=theme,region,year',
      );
    expect(of(ATTACKER)).toMatchObject({ totalAwarded: 50_041 });
    expect(of('nef')).toMatchObject({ totalAwarded: 50_041 + 80_017 });
    const truth = 100_003 + 80_017 + 60_029;
    const estimate = of(ATTACKER)?.privateFundingEstimate ?? 0;
    expect(estimate).toBeGreaterThan(truth * 0.7);
    expect(estimate).toBeLessThan(truth * 1.3);
    expect(estimate).not.toBe(truth);
    // The same for both callers: one of them holds part of it, the other none.
    expect(of('nef')?.privateFundingEstimate).toBe(estimate);
    // 2021 (one funder with private money), 2022 (two) and 2023 (one dominating) show none.
    for (const year of [2021, 2022, 2023]) {
      const row = cells.find(
        (c) => c.attacker === ATTACKER && c.year === year && c.query === '?groupBy=year',
      );
      expect(row?.privateFundingEstimate ?? null).toBeNull();
    }
  });

  it('shows the owner its own private figures in full', async () => {
    const res = await get('osf', '?groupBy=year&region=europe&yearFrom=2021&yearTo=2021');
    expect(res.body.cells).toEqual([expect.objectContaining({ year: 2021, totalAwarded: 70_053 + 40_067 })]);
  });
});

describe('cofund gaps', () => {
  it('prints the gap cells and portfolios a funder may see', async () => {
    const key = world.keys.osf?.viewer;
    const out = await runCofund(
      hub.url,
      ['gaps', '--region', 'europe', '--by', 'year', '--year-to', '2021'],
      key,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('all themes / europe / 2021');
    expect(out.stdout).toContain(`$${(70_053 + 40_067).toLocaleString('en-US')}`);
    expect(out.stdout).toContain('Federal Reserve');
    const portfolios = await runCofund(hub.url, ['gaps', 'portfolios', '--funder', 'osf'], key);
    expect(portfolios.code, portfolios.stderr).toBe(0);
    expect(portfolios.stdout).toMatch(/^osf: \$1,315,375 in 5 grants to 5 grantees; largest grantee /);
  });

  it('refuses an unknown theme before calling the hub', async () => {
    const out = await runCofund(hub.url, ['gaps', '--theme', 'weather'], world.keys.osf?.viewer);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('unknown theme "weather"');
  });
});
