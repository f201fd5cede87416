// Co-investment gaps and portfolio concentration, read from the rollup cells (never from grants) and built
// from the verified principal: what the caller may read counts exactly; of the rest, only each cell's perturbed
// private figure is shown, the same for every caller (the disclosure rule of gap-math.ts).
import type { GapCellView, GapDimension, GapQuery, GapResponse, PortfolioQuery } from '../../schemas/gaps.ts';
import type { OpportunityView } from '../../schemas/opportunity.ts';
import { REGIONS, THEMES } from '../../schemas/taxonomy.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { canRead } from '../access/policy.ts';
import type { AuditContext } from '../audit/audit-service.ts';
import type { FunderRepository } from '../tenancy/funder-repository.ts';
import type { TenancyService } from '../tenancy/tenancy-service.ts';
import { grantsOf } from './contribution.ts';
import { FX_TABLE, toUsdCents } from './fx-rates.ts';
import {
  DEFAULT_PRIVACY,
  type MayRead,
  measure,
  type PrivacyRule,
  partsOf,
  readablePart,
  type ShownCell,
  shownPart,
} from './gap-math.ts';
import type { GapRepository, RollupMeter, StoredCell } from './gap-repository.ts';

const MAX_DEPENDENTS_SHOWN = 10;
/** Names are looked up through the organisation view (visible records only); a response names this many. */
const MAX_NAMES_PER_RESPONSE = 50;
const YEAR_READS_IN_FLIGHT = 8;

export interface GapServiceDeps {
  repo: GapRepository;
  funders: FunderRepository;
  tenancy: Pick<TenancyService, 'getCollaborative'>;
  /** A visible name of an organisation, or null when the caller may see none of its records. */
  organisationName(ctx: AuditContext, orgId: string): Promise<string | null>;
  privacy?: PrivacyRule;
  /** The open co-funding asks the caller may see. */
  openAsks(ctx: AuditContext): Promise<OpportunityView[]>;
}

const ORDER: Record<GapDimension, (v: string | number) => number> = {
  theme: (v) => rank(THEMES, v),
  region: (v) => rank(REGIONS, v),
  year: (v) => Number(v),
};
function rank(list: readonly string[], value: string | number): number {
  const i = list.indexOf(String(value));
  return i === -1 ? list.length : i;
}

const dollars = (cents: number) => Math.round(cents) / 100;

export function createGapService(deps: GapServiceDeps) {
  const privacy = deps.privacy ?? DEFAULT_PRIVACY;

  /**
   * The cells of the selected years, theme and region. With `grantees`, each cell also carries its grantee
   * figures (separate items of the same year partitions, one per grantee): needed for dependency and portfolios,
   * and the only part of a read that grows with the number of grantees.
   */
  async function readCells(
    query: { theme?: string | undefined; region?: string | undefined; yearFrom?: number; yearTo?: number },
    options: { grantees: boolean },
    meter?: RollupMeter,
  ): Promise<StoredCell[]> {
    const years = (await deps.repo.readYears(meter)).filter(
      (y) =>
        (query.yearFrom === undefined || y >= query.yearFrom) &&
        (query.yearTo === undefined || y <= query.yearTo),
    );
    const cells: StoredCell[] = [];
    const readYear = async (year: number) => {
      const [own, grantees] = await Promise.all([
        deps.repo.cellsOfYear(year, query.theme, meter),
        options.grantees ? deps.repo.granteesOfYear(year, query.theme, meter) : Promise.resolve([]),
      ]);
      const byCell = new Map(own.map((c) => [`${c.theme}#${c.region}`, c]));
      for (const g of grantees) {
        const cell = byCell.get(`${g.theme}#${g.region}`);
        if (cell) Object.assign(cell.values, g.values);
      }
      return own;
    };
    for (let i = 0; i < years.length; i += YEAR_READS_IN_FLIGHT) {
      const batch = await Promise.all(years.slice(i, i + YEAR_READS_IN_FLIGHT).map(readYear));
      for (const list of batch) cells.push(...list);
    }
    return cells.filter((c) => query.region === undefined || c.region === query.region);
  }

  async function exitingFunders(): Promise<Set<string>> {
    const exiting = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.funders.list(100, startKey);
      for (const f of page.items) if (f.status === 'exiting') exiting.add(f.id);
      startKey = page.lastKey;
    } while (startKey);
    return exiting;
  }

  /**
   * Each funder's last award year in what the reader may see (the years' total items), once per request context:
   * a digest asks one gap question per theme with the same context.
   */
  const latestByContext = new WeakMap<AuditContext, Promise<Map<string, number>>>();
  function latestYearsFor(ctx: AuditContext, mayRead: MayRead, meter?: RollupMeter) {
    const known = latestByContext.get(ctx);
    if (known) return known;
    const loading = latestYears(mayRead, meter);
    latestByContext.set(ctx, loading);
    loading.catch(() => latestByContext.delete(ctx));
    return loading;
  }

  async function latestYears(mayRead: MayRead, meter?: RollupMeter): Promise<Map<string, number>> {
    const totals = await deps.repo.yearTotals(await deps.repo.readYears(meter), meter);
    const latest = new Map<string, number>();
    for (const total of totals) {
      for (const slot of partsOf(total).funders) {
        if (slot.grants <= 0 || !mayRead(slot.funderId, slot.visibility)) continue;
        latest.set(slot.funderId, Math.max(latest.get(slot.funderId) ?? 0, total.year));
      }
    }
    return latest;
  }

  function mayReadFor(principal: Principal) {
    return (funderId: string, visibility: string) => canRead(principal, funderId, visibility);
  }

  async function namesOf(ctx: AuditContext, orgIds: string[]): Promise<Map<string, string | null>> {
    const names = new Map<string, string | null>();
    const wanted = [...new Set(orgIds)].slice(0, MAX_NAMES_PER_RESPONSE);
    await Promise.all(
      wanted.map(async (orgId) => {
        names.set(orgId, await deps.organisationName(ctx, orgId));
      }),
    );
    return names;
  }

  function provisionalYears(cells: Array<{ year: number }>): number[] {
    const lastPublished = Math.max(
      ...Object.values(FX_TABLE.ratesToUsd).flatMap((table) => Object.keys(table).map(Number)),
    );
    return [...new Set(cells.map((c) => c.year).filter((y) => y > lastPublished))].sort();
  }

  const fxInfo = (cells: Array<{ year: number }>) => ({
    reportingCurrency: 'USD' as const,
    table: FX_TABLE.version,
    source: FX_TABLE.source,
    provisionalYears: provisionalYears(cells),
  });

  return {
    privacy,

    async gaps(ctx: AuditContext, query: GapQuery, meter?: RollupMeter): Promise<GapResponse> {
      const funderFilter = query.collaborative
        ? await deps.tenancy
            .getCollaborative(query.collaborative)
            .then((c) => new Set([...c.members, ...c.subFunds]))
        : undefined;
      // Grantee figures (dependency) are read when the query names a theme: a heat map reads cells only.
      const withGrantees = query.theme !== undefined;
      const [cells, exiting, asks] = await Promise.all([
        readCells(query, { grantees: withGrantees }, meter),
        exitingFunders(),
        deps.openAsks(ctx),
      ]);
      const mayRead = mayReadFor(ctx.principal);
      const included = cells
        .map((cell) => shownPart(partsOf(cell), mayRead, privacy, { funderFilter }))
        .filter((c) => c.funders.length > 0 || c.privateEstimate !== null);

      const groups = new Map<string, { key: Record<GapDimension, string | number>; cells: ShownCell[] }>();
      for (const cell of included) {
        const key = { theme: cell.theme, region: cell.region, year: cell.year };
        const id = query.groupBy.map((d) => key[d]).join('|');
        const group = groups.get(id) ?? { key, cells: [] };
        group.cells.push(cell);
        groups.set(id, group);
      }
      const ordered = [...groups.values()].sort((a, b) => {
        for (const d of query.groupBy) {
          const diff = ORDER[d](a.key[d]) - ORDER[d](b.key[d]);
          if (diff !== 0) return diff;
        }
        return 0;
      });

      const latest = await latestYearsFor(ctx, mayRead, meter);
      const measured = ordered.map((g) => ({
        key: g.key,
        m: measure(g.cells, exiting, (f) => latest.get(f)),
      }));
      const names = await namesOf(
        ctx,
        measured.flatMap(({ m }) => m.dependents.slice(0, MAX_DEPENDENTS_SHOWN).map((d) => d.orgId)),
      );
      const has = (d: GapDimension) => query.groupBy.includes(d);
      /** Open asks of a group: its theme and region (when grouped or filtered by them), deadline in its year(s). */
      const asksOf = (key: Record<GapDimension, string | number>) => {
        const theme = has('theme') ? String(key.theme) : query.theme;
        const region = has('region') ? String(key.region) : query.region;
        const matching = asks.filter((a) => {
          const year = Number(a.deadline.slice(0, 4));
          return (
            (theme === undefined || a.themes.includes(theme as never)) &&
            (region === undefined || a.regions.includes(region as never)) &&
            (!has('year') || year === Number(key.year)) &&
            (query.yearFrom === undefined || year >= query.yearFrom) &&
            (query.yearTo === undefined || year <= query.yearTo)
          );
        });
        let cents = 0;
        for (const a of matching) {
          const fx = toUsdCents(a.unmet, a.currency, Number(a.deadline.slice(0, 4)));
          if (fx.converted) cents += fx.cents;
        }
        return { count: matching.length, unmet: dollars(cents) };
      };
      const out: GapCellView[] = measured.map(({ key, m }) => {
        const stopped = new Set(m.stopped.map((s) => s.funderId));
        return {
          theme: has('theme') ? String(key.theme) : (query.theme ?? null),
          region: has('region') ? String(key.region) : (query.region ?? null),
          year: has('year') ? Number(key.year) : null,
          totalAwarded: dollars(m.totalCents),
          privateFundingEstimate: m.privateEstimateCents === null ? null : dollars(m.privateEstimateCents),
          grants: grantsOf(m.grants),
          funders: m.funders,
          topFunder: m.topFunder,
          hhi: m.hhi,
          dependentGrantees: !withGrantees
            ? null
            : {
                count: m.dependents.length,
                items: m.dependents.slice(0, MAX_DEPENDENTS_SHOWN).map((d) => ({
                  orgId: d.orgId,
                  name: names.get(d.orgId) ?? null,
                  funderId: d.funderId,
                  share: d.share,
                  amount: dollars(d.cents),
                  atRisk: exiting.has(d.funderId) || stopped.has(d.funderId),
                })),
              },
          exitingFunders: { count: m.exiting.count, funderIds: m.exiting.named },
          stoppedFunders: m.stopped,
          contributionsToPooledFunds: dollars(m.pooledCents),
          unconvertedGrants: grantsOf(m.unconverted),
          openAsks: asksOf(key),
        };
      });
      const all = measure(included, exiting);
      return {
        groupBy: query.groupBy,
        privacy: { k: privacy.k, p: privacy.p, noise: privacy.noise },
        fx: fxInfo(included),
        cells: out,
        total: {
          totalAwarded: dollars(all.totalCents),
          privateFundingEstimate:
            all.privateEstimateCents === null ? null : dollars(all.privateEstimateCents),
          grants: grantsOf(all.grants),
          funders: all.funders,
        },
      };
    },

    /** Per funder, US cents the caller may read it gave in any of these themes x regions (all years). */
    async visibleFunding(
      ctx: AuditContext,
      themes: string[],
      regions: string[],
    ): Promise<Map<string, number>> {
      const mayRead = mayReadFor(ctx.principal);
      const cells = await readCells({}, { grantees: false });
      const out = new Map<string, number>();
      for (const cell of cells) {
        if (!themes.includes(cell.theme) || !regions.includes(cell.region)) continue;
        const part = readablePart(partsOf(cell), mayRead);
        for (const s of part.funders) out.set(s.funderId, (out.get(s.funderId) ?? 0) + s.amount);
      }
      return out;
    },

    /** Share of each funder's money (as far as the caller may read it) going to its largest grantee. */
    async portfolios(ctx: AuditContext, query: PortfolioQuery, meter?: RollupMeter) {
      const cells = await readCells(query, { grantees: true }, meter);
      const mayRead = mayReadFor(ctx.principal);
      const funderFilter = query.funder ? new Set([query.funder]) : undefined;
      const included = cells
        .map((cell) => readablePart(partsOf(cell), mayRead, funderFilter))
        .filter((c) => c.funders.length > 0);
      const portfolios = new Map<string, { cents: number; grants: number; grantees: Map<string, number> }>();
      for (const cell of included) {
        for (const s of cell.funders) {
          const p = portfolios.get(s.funderId) ?? { cents: 0, grants: 0, grantees: new Map() };
          p.cents += s.amount;
          p.grants += s.grants;
          portfolios.set(s.funderId, p);
        }
        for (const g of cell.grantees) {
          const p = portfolios.get(g.funderId);
          // A funder's own portfolio groups its grantees as its own records tie them; another's, as shared ones do.
          const grantee = g.funderId === ctx.principal.funderId ? g.ownKey : g.orgId;
          p?.grantees.set(grantee, (p.grantees.get(grantee) ?? 0) + g.amount);
        }
      }
      const rows = [...portfolios]
        .filter(([, p]) => p.grants > 0)
        .map(([funderId, p]) => {
          const [orgId, cents] =
            [...p.grantees].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? [];
          return { funderId, p, largest: orgId === undefined ? null : { orgId, cents: cents ?? 0 } };
        })
        .sort((a, b) => b.p.cents - a.p.cents || a.funderId.localeCompare(b.funderId));
      const names = await namesOf(
        ctx,
        rows.flatMap((r) => (r.largest ? [r.largest.orgId] : [])),
      );
      return {
        fx: fxInfo(included),
        items: rows.map(({ funderId, p, largest }) => ({
          funderId,
          totalAwarded: dollars(p.cents),
          grants: grantsOf(p.grants),
          grantees: [...p.grantees.values()].filter((c) => c > 0).length,
          largestGrantee: largest
            ? {
                orgId: largest.orgId,
                name: names.get(largest.orgId) ?? null,
                amount: dollars(largest.cents),
                share: p.cents > 0 ? Math.round((largest.cents / p.cents) * 10000) / 10000 : 0,
              }
            : null,
        })),
      };
    },
  };
}
export type GapService = ReturnType<typeof createGapService>;
