// Gap arithmetic without storage: contributions, deltas, the k-funder and dominance rules, group measures.
import { describe, expect, it } from 'vitest';
import {
  appliedKeyOf,
  contributionDelta,
  contributionOf,
  GRANT_UNITS,
  grantsOf,
  rollupAttribute,
  splitCents,
  YEAR_TOTAL,
} from '../../shared/gaps/contribution.ts';
import { toUsdCents } from '../../shared/gaps/fx-rates.ts';
import {
  DEFAULT_PRIVACY,
  keyedNoise,
  measure,
  partsOf,
  privateFigureAllowed,
  shownPart,
} from '../../shared/gaps/gap-math.ts';
import type { StoredCell } from '../../shared/gaps/gap-repository.ts';
import { stubMention } from '../../tools/stub-mention.ts';

const mention = stubMention;
const fixedNoise = keyedNoise(Buffer.alloc(32, 7));

const total = (list: ReturnType<typeof contributionOf>, prefix: string) =>
  list
    .flatMap((c) => Object.entries(c.values))
    .reduce((sum, [k, v]) => (k.startsWith(prefix) ? sum + v : sum), 0);

describe('contributions', () => {
  it('splits a grant with two themes and two regions over four cells that add up to the exact amount', () => {
    const c = contributionOf(
      mention({ amount: 1000.03, themes: ['governance', 'integration'], regions: ['europe', 'global'] }),
      fixedNoise,
    );
    const cells = c.filter((x) => x.cell.theme !== YEAR_TOTAL);
    expect(cells).toHaveLength(4);
    expect(total(cells, 'a|')).toBe(100003);
    expect(total(cells, 'g|')).toBe(100003);
    // One grant, a quarter in each cell: the four cells hold exactly one grant between them.
    expect(total(cells, 'n|')).toBe(GRANT_UNITS);
    expect(cells.map((x) => grantsOf(x.values[rollupAttribute.grants('osf', 'hub')] ?? 0))).toEqual([
      0.25, 0.25, 0.25, 0.25,
    ]);
    // And once in its award year's total, whatever its themes and regions.
    expect(c.find((x) => x.cell.theme === YEAR_TOTAL)).toEqual({
      cell: { year: 2015, theme: YEAR_TOTAL, region: YEAR_TOTAL },
      values: { [rollupAttribute.grants('osf', 'hub')]: GRANT_UNITS },
    });
  });

  it('rolls a grant without theme or region up under the unclassified cell instead of dropping it', () => {
    const [c] = contributionOf(mention({ themes: [], regions: [] }), fixedNoise);
    expect(c?.cell).toEqual({ year: 2015, theme: '-', region: '-' });
  });

  it('converts at the award year average and counts unconvertible currencies apart', () => {
    expect(toUsdCents(100, 'GBP', 2015)).toEqual({ converted: true, cents: 15283, provisional: false });
    expect(toUsdCents(100, 'EUR', 2030)).toMatchObject({ converted: true, provisional: true });
    const [c] = contributionOf(mention({ currency: 'JPY', amount: 5 }), fixedNoise);
    expect(c?.values).toEqual({ [rollupAttribute.unconverted('osf', 'hub')]: GRANT_UNITS });
  });

  it('counts nothing for a record whose money is counted in another record, or for a second recipient', () => {
    const link = {
      kind: 'reupload' as const,
      toMentionId: 'x',
      evidence: [],
      decidedBy: 'resolver' as const,
      decidedAt: '2026-01-01T00:00:00Z',
    };
    expect(contributionOf(mention({ moneyLink: link }), fixedNoise)).toEqual([]);
    expect(contributionOf(mention({ index: 1 }), fixedNoise)).toEqual([]);
  });

  it('keeps FRG040 contributions to a pooled fund out of the amount awarded', () => {
    const [c] = contributionOf(mention({ regrantType: 'FRG040' }), fixedNoise);
    expect(c?.values).toEqual({ [rollupAttribute.pooled('osf', 'hub')]: 100000 });
  });

  it('moves a re-classified grant out of its old cell and into the new one', () => {
    const before = contributionOf(mention(), fixedNoise);
    const after = contributionOf(mention({ regions: ['europe'], revision: 2 }), fixedNoise);
    const delta = contributionDelta(before, after);
    const old = delta.find((d) => d.cell.region === 'global');
    expect(old?.values[rollupAttribute.amount('osf', 'hub')]).toBe(-100000);
    expect(contributionDelta(after, after)).toEqual([]);
  });

  it('orders mention states by grant version, then revision, then removal', () => {
    expect(appliedKeyOf(2, 1, false) > appliedKeyOf(1, 9, true)).toBe(true);
    expect(appliedKeyOf(1, 3, true) > appliedKeyOf(1, 3, false)).toBe(true);
    expect(appliedKeyOf(1, 10, false) > appliedKeyOf(1, 9, false)).toBe(true);
  });

  it('splits cents exactly', () => {
    expect(splitCents(10, 3)).toEqual([4, 3, 3]);
  });
});

function cell(values: Record<string, number>): StoredCell {
  return { year: 2020, theme: 'governance', region: 'europe', values };
}
const amounts = (entries: Array<[string, string, number]>) =>
  Object.fromEntries(
    entries.flatMap(([f, v, cents]) => [
      [rollupAttribute.amount(f, v), cents],
      [rollupAttribute.grants(f, v), 1],
      [rollupAttribute.grantee(`org_${f}`, `org_${f}`, f, v), cents],
      ...(v === 'private'
        ? [[rollupAttribute.perturbed(f, v), Math.round(cents * fixedNoise(f, `grant-${f}`, 2020))]]
        : []),
    ]),
  );
/** A finest cell's parts holding these funders' grants (funder, visibility, cents). */
const partsWith = (entries: Array<[string, string, number]>) => partsOf(cell(amounts(entries)));
const readsOwnAndHub = (me: string) => (f: string, v: string) => f === me || v === 'hub' || v === 'public';

const show = (parts: ReturnType<typeof partsWith>, me: string, options = {}) =>
  shownPart(parts, readsOwnAndHub(me), DEFAULT_PRIVACY, options);

describe('the disclosure rule', () => {
  it('shows readable records exactly and nothing of the rest but the private figure', () => {
    const parts = partsWith([
      ['a', 'hub', 100_00],
      ['b', 'collaborative:x', 50_00],
      ['c', 'private', 70_00],
    ]);
    const shown = show(parts, 'a');
    expect(shown.funders.map((s) => s.funderId)).toEqual(['a']);
    expect(shown.privateEstimate).toBeNull();
    expect(measure([shown], new Set()).totalCents).toBe(100_00);
  });

  it('shows the private figure only with at least k funders having private money there', () => {
    const two = partsWith([
      ['b', 'private', 100_000_00],
      ['c', 'private', 100_000_00],
    ]);
    expect(show(two, 'a').privateEstimate).toBeNull();
    const three = partsWith([
      ['b', 'private', 100_000_00],
      ['c', 'private', 100_000_00],
      ['d', 'private', 100_000_00],
    ]);
    expect(show(three, 'a').privateEstimate).not.toBeNull();
  });

  it('counts the caller among the k, and gives every caller the same figure whatever it may read', () => {
    const parts = partsWith([
      ['a', 'private', 100_000_00],
      ['b', 'private', 80_000_00],
      ['c', 'private', 60_000_00],
      ['d', 'hub', 10_000_00],
    ]);
    const figures = ['a', 'b', 'c', 'd', 'outsider'].map((me) => show(parts, me).privateEstimate);
    expect(new Set(figures).size).toBe(1);
    expect(figures[0]).not.toBeNull();
  });

  it('withholds a cell one funder dominates (p% rule: beyond the two largest less than 10% of the largest)', () => {
    // Whatever the noise (15-30% either way), 1,000,000 dominates 100,000 and 40,000; it does not dominate
    // 300,000 and 300,000.
    const dominated = partsWith([
      ['b', 'private', 1_000_000_00],
      ['c', 'private', 100_000_00],
      ['d', 'private', 40_000_00],
    ]);
    expect(show(dominated, 'a').privateEstimate).toBeNull();
    const spread = partsWith([
      ['b', 'private', 1_000_000_00],
      ['c', 'private', 300_000_00],
      ['d', 'private', 300_000_00],
    ]);
    expect(show(spread, 'a').privateEstimate).not.toBeNull();
  });

  it('judges the p% rule on the perturbed parts, not the true amounts', () => {
    // Near the threshold the true amounts and the perturbed parts disagree; the hub follows the perturbed parts,
    // so where the answer flips depends on the largest funder only through its perturbed part.
    let disagreements = 0;
    for (let third = 50_000_00; third <= 200_000_00; third += 1_000_00) {
      const money = new Map([
        ['b', 1_000_000_00],
        ['c', 100_000_00],
        ['d', third],
      ]);
      const perturbed = new Map(
        [...money].map(([f, cents]) => [f, Math.round(cents * fixedNoise(f, `grant-${f}`, 2020))]),
      );
      const shown = show(
        partsWith([...money].map(([f, cents]) => [f, 'private', cents] as [string, string, number])),
        'a',
      ).privateEstimate;
      expect(shown !== null).toBe(privateFigureAllowed(perturbed, DEFAULT_PRIVACY));
      if (privateFigureAllowed(perturbed, DEFAULT_PRIVACY) !== privateFigureAllowed(money, DEFAULT_PRIVACY))
        disagreements += 1;
    }
    expect(disagreements).toBeGreaterThan(0);
  });

  it('perturbs each private grant by 15-30%, one way per funder and year, the same for the same grant', () => {
    for (let i = 0; i < 2000; i += 1) {
      const f = fixedNoise(`f${i % 50}`, `g${i}`, 2020);
      expect(Math.abs(f - 1)).toBeGreaterThanOrEqual(0.15);
      expect(Math.abs(f - 1)).toBeLessThanOrEqual(0.3);
      expect(fixedNoise(`f${i % 50}`, `g${i}`, 2020)).toBe(f);
      // All of a funder's grants of a year go the same way.
      expect(Math.sign(f - 1)).toBe(Math.sign(fixedNoise(`f${i % 50}`, 'other', 2020) - 1));
    }
    const signs = Array.from({ length: 400 }, (_, i) => Math.sign(fixedNoise(`f${i}`, 'g', 2020) - 1));
    expect(signs.filter((s) => s > 0).length).toBeGreaterThan(150);
    expect(signs.filter((s) => s < 0).length).toBeGreaterThan(150);
    // Sizes differ between grants; directions between funders and between years.
    const sizes = new Set(Array.from({ length: 50 }, (_, i) => fixedNoise('f1', `g${i}`, 2020)));
    expect(sizes.size).toBe(50);
    const years = Array.from({ length: 40 }, (_, i) => Math.sign(fixedNoise('f1', 'g', 2000 + i) - 1));
    expect(new Set(years).size).toBe(2);
    // A different key gives different factors: the noise is only as secret as the key.
    expect(keyedNoise(Buffer.alloc(32, 8))('f1', 'g1', 2020)).not.toBe(fixedNoise('f1', 'g1', 2020));
  });

  it('gives a private grant split over many cells one factor in all of them, kept when its amount changes', () => {
    // The outsider's first attack on the first version (a factor per cell): a 1,000,000 grant over 20 cells gave 20
    // independent factors, and their bands intersected to within 0.75% of the truth.
    const themes = ['education', 'arts-culture', 'environment', 'health-disability', 'poverty-housing'];
    const regions = ['africa', 'north-america', 'europe', 'asia-middle-east'];
    const grant = (amount: number) =>
      contributionOf(
        mention({ visibility: 'private', amount, awardDate: '2021-06-01', themes, regions } as never),
        fixedNoise,
      ).filter((c) => c.cell.theme !== YEAR_TOTAL);
    const cells = grant(1_000_000);
    expect(cells).toHaveLength(20);
    const ratios = cells.map(
      (c) =>
        (c.values[rollupAttribute.perturbed('osf', 'private')] ?? 0) /
        (c.values[rollupAttribute.amount('osf', 'private')] ?? 1),
    );
    const factor = fixedNoise('osf', 'g1', 2021);
    for (const r of ratios) expect(r).toBeCloseTo(factor, 6);
    // Edited, it keeps its factor: a small correction shows no second, independent look at the same money.
    for (const c of grant(1_000_010))
      expect(
        (c.values[rollupAttribute.perturbed('osf', 'private')] ?? 0) /
          (c.values[rollupAttribute.amount('osf', 'private')] ?? 1),
      ).toBeCloseTo(factor, 6);
    // Money shared at any other visibility carries no perturbed part.
    const hub = contributionOf(mention({ themes, regions, awardDate: '2021-06-01' } as never), fixedNoise);
    expect(hub.some((c) => rollupAttribute.perturbed('osf', 'hub') in c.values)).toBe(false);
  });

  it("shows no private figure when narrowed to a collaborative's funders", () => {
    const parts = partsWith([
      ['a', 'hub', 100],
      ['b', 'private', 100_000_00],
      ['c', 'private', 100_000_00],
      ['d', 'private', 100_000_00],
    ]);
    const narrowed = show(parts, 'a', { funderFilter: new Set(['a', 'b', 'c', 'd']) });
    expect(narrowed.privateEstimate).toBeNull();
    expect(measure([narrowed], new Set()).totalCents).toBe(100);
  });

  it('names and measures only readable funders: top funder, exiting, dependents, HHI', () => {
    const parts = partsWith([
      ['a', 'hub', 100],
      ['b', 'private', 500],
      ['c', 'private', 300],
      ['d', 'private', 200],
    ]);
    const m = measure([show(parts, 'a')], new Set(['b']));
    expect(m.topFunder).toEqual({ funderId: 'a', share: 1 });
    expect(m.exiting).toEqual({ count: 0, named: [] });
    expect(m.dependents.map((d) => d.orgId)).toEqual(['org_a']);
    expect(m.hhi).toBe(1);
  });
});

describe('group measures', () => {
  it('finds grantees depending on one funder for more than half, and funders that stopped granting', () => {
    const y2018 = partsOf({
      year: 2018,
      theme: 'governance',
      region: 'europe',
      values: {
        ...amounts([['a', 'hub', 300]]),
        [rollupAttribute.grantee('org_x', 'org_x', 'a', 'hub')]: 300,
      },
    });
    const y2021 = partsOf({
      year: 2021,
      theme: 'governance',
      region: 'europe',
      values: {
        [rollupAttribute.amount('b', 'hub')]: 200,
        [rollupAttribute.grants('b', 'hub')]: 1,
        [rollupAttribute.grantee('org_x', 'org_x', 'b', 'hub')]: 200,
      },
    });
    const all = () => true;
    const cells = [y2018, y2021].map((p) => shownPart(p, all, DEFAULT_PRIVACY));
    // a's data goes on to 2021 elsewhere: it stopped granting here after 2018.
    const m = measure(cells, new Set(), (f) => ({ a: 2021, b: 2021 })[f]);
    expect(m.stopped).toEqual([{ funderId: 'a', lastYear: 2018 }]);
    // a's published data ends in 2018 (or 2019): it has not stopped, the data just ends.
    expect(measure(cells, new Set(), (f) => ({ a: 2019, b: 2021 })[f]).stopped).toEqual([]);
    expect(measure(cells, new Set()).stopped).toEqual([]);
    // org_x: 300 from a, 200 from b.
    expect(m.dependents.find((d) => d.orgId === 'org_x')).toMatchObject({ funderId: 'a', share: 0.6 });
    expect(m.topFunder).toEqual({ funderId: 'a', share: 0.6 });
  });
});
