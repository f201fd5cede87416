// Gap analytics on the demo data, rolled up from the table stream by the same handlers Lambda runs.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../local/seed.ts';
import { GapQuerySchema, PortfolioQuerySchema } from '../../schemas/gaps.ts';
import { toUsdCents } from '../../shared/gaps/fx-rates.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { principal } from '../support/world-principal.ts';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ streams: true });
  await seedDemo(hub.services);
  // Alone this takes about a minute; beside the rest of `npm test` on two cores, several (the drain fails only
  // when no record moves for two minutes).
  await hub.poller?.drain(120_000);
}, 1_500_000);
afterAll(async () => hub?.close());

const osf = { principal: principal('osf', 'osf-officer', 'viewer', ['epim']) };
const macarthur = { principal: principal('macarthur', 'macarthur-officer', 'viewer', []) };

describe('gaps on the demo data', () => {
  it("reports OSF's global 2014-2016 portfolio with the Migration Policy Institute at 51% of $4,350,705", async () => {
    const out = await hub.services.gaps.portfolios(
      osf,
      PortfolioQuerySchema.parse({ funder: 'osf', region: 'global', yearFrom: '2014', yearTo: '2016' }),
    );
    expect(out.items).toHaveLength(1);
    const [portfolio] = out.items;
    expect(portfolio?.totalAwarded).toBe(4_350_705);
    expect(portfolio?.grants).toBe(18);
    // The review counts 11 organisations, and so does the hub: "Columbia Global Policy Initiative" and "Columbia
    // University Global Policy Initiative" carry one OSF recipient id (360G-OSF-ORG-CGPI), a funder's own name for one
    // grantee, which links them.
    expect(portfolio?.grantees).toBe(11);
    expect(portfolio?.largestGrantee?.name).toMatch(/^Migration Policy Institute/);
    expect(portfolio?.largestGrantee?.amount).toBe(2_200_000);
    expect(Math.round((portfolio?.largestGrantee?.share ?? 0) * 100)).toBe(51);
  });

  it('shows the Global Coalition on Migration funded by MacArthur and OSF, dependent on MacArthur, which is exiting', async () => {
    const out = await hub.services.gaps.gaps(
      macarthur,
      GapQuerySchema.parse({ theme: 'governance', region: 'global' }),
    );
    const [cell] = out.cells;
    expect(cell?.exitingFunders.funderIds).toContain('macarthur');
    const gcm = cell?.dependentGrantees?.items.find((d) => /Global Coalition/i.test(d.name ?? ''));
    expect(gcm).toMatchObject({ funderId: 'macarthur', atRisk: true, amount: 550_000 });
    // 550,000 from MacArthur against 410,000 from OSF (its hub grants, visible to MacArthur).
    expect(gcm?.share).toBeCloseTo(550_000 / 960_000, 4);
  });

  it("counts the EPIM detention sub-fund's grants once, not again with OSF's contribution to it", async () => {
    const out = await hub.services.gaps.gaps(
      osf,
      GapQuerySchema.parse({ theme: 'enforcement-detention', region: 'europe', groupBy: '' }),
    );
    const [cell] = out.cells;
    // EUR 120,000 (2015) and EUR 130,000 (2016) at the Federal Reserve's yearly averages.
    expect(cell?.totalAwarded).toBeCloseTo(120_000 * 1.1096 + 130_000 * 1.1072, 2);
    expect(cell?.contributionsToPooledFunds).toBeCloseTo(250_000 * 1.1096, 2);
    expect(cell?.funders).toBe(1);
    expect(cell?.topFunder?.funderId).toBe('epim-detention');
  });
});

describe('every grant and dollar once, on the two real files', () => {
  const alwf = { principal: principal('andrew-lloyd-webber-foundation', 'alwf-officer', 'viewer', []) };
  const sourceOf = (file: string) =>
    (
      JSON.parse(readFileSync(resolve('local/demo/360giving', file), 'utf8')).grants as Array<{
        amountAwarded: number;
        currency: string;
        awardDate: string;
      }>
    ).map((g) => {
      const fx = toUsdCents(g.amountAwarded, g.currency, Number(g.awardDate.slice(0, 4)));
      if (!fx.converted) throw new Error(fx.reason);
      return fx.cents;
    });
  const sources = {
    'ab-charitable-trust': sourceOf('ab-charitable-trust.json'),
    'andrew-lloyd-webber-foundation': sourceOf('andrew-lloyd-webber-foundation.json'),
  };
  const cents = (dollars: number) => Math.round(dollars * 100);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

  it("gives each publisher its file's grants and money exactly, whatever its themes", async () => {
    const out = await hub.services.gaps.portfolios(alwf, PortfolioQuerySchema.parse({}));
    for (const [funderId, source] of Object.entries(sources)) {
      const row = out.items.find((p) => p.funderId === funderId);
      expect(row?.grants, funderId).toBe(source.length);
      expect(cents(row?.totalAwarded ?? 0), funderId).toBe(sum(source));
    }
  });

  it('sums rows by theme, by region and by both to the one total, and that total to the grants shown', async () => {
    const answer = (groupBy: string) => hub.services.gaps.gaps(alwf, GapQuerySchema.parse({ groupBy }));
    const total = await answer('');
    const [one] = total.cells;
    expect(total.cells).toHaveLength(1);
    expect(total.total).toMatchObject({ totalAwarded: one?.totalAwarded, grants: one?.grants });
    // Each grant counts once however many themes it has: whole grants in all.
    expect(Number.isInteger(one?.grants)).toBe(true);
    const portfolios = await hub.services.gaps.portfolios(alwf, PortfolioQuerySchema.parse({}));
    expect(one?.grants).toBe(sum(portfolios.items.map((p) => p.grants)));
    for (const groupBy of ['theme', 'region', 'theme,region', 'year', 'theme,year']) {
      const rows = await answer(groupBy);
      expect(sum(rows.cells.map((c) => cents(c.totalAwarded))), groupBy).toBe(cents(one?.totalAwarded ?? 0));
      // Shares of multi-theme grants are shown to two decimals: the rows add up within that rounding.
      expect(
        Math.abs(sum(rows.cells.map((c) => c.grants)) - (one?.grants ?? 0)),
        groupBy,
      ).toBeLessThanOrEqual(0.005 * rows.cells.length);
      expect(rows.total).toEqual(total.total);
    }
  });

  it('does not flag as stopped a funder whose published data simply ends', async () => {
    const rows = await hub.services.gaps.gaps(alwf, GapQuerySchema.parse({ groupBy: 'theme,region' }));
    const latest = { 'ab-charitable-trust': 0, 'andrew-lloyd-webber-foundation': 0 } as Record<
      string,
      number
    >;
    for (const file of ['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json']) {
      const years = (
        JSON.parse(readFileSync(resolve('local/demo/360giving', file), 'utf8')).grants as Array<{
          awardDate: string;
        }>
      ).map((g) => Number(g.awardDate.slice(0, 4)));
      latest[file.replace('.json', '')] = Math.max(...years);
    }
    for (const c of rows.cells) {
      for (const s of c.stoppedFunders) {
        const end = latest[s.funderId];
        // Only a funder whose data goes on two years past its last grant here has stopped here.
        if (end !== undefined)
          expect(s.lastYear, `${c.theme}/${c.region} ${s.funderId}`).toBeLessThan(end - 1);
      }
    }
    // MacArthur's data ends in 2015 (it is exiting, not stopped): never "stopped" anywhere.
    expect(rows.cells.flatMap((c) => c.stoppedFunders.map((s) => s.funderId))).not.toContain('macarthur');
  });
});
