// Pure gap arithmetic: which parts of a cell a reader may count (the k-funder rule), and the measures of a group
// of cells (total, funders, top share, HHI, dependent grantees, exiting and stopped funders).
//
// Privacy: the k rule is applied to each finest cell (award year x theme x region) on its own, and a coarser
// figure is only ever the sum of finest cells as they were shown. So every figure that includes records the
// reader may not see is a sum of whole cells, each with at least k hidden funders and none dominating: no pair
// of queries differs by one funder's figure.
import type { StoredCell } from './gap-repository.ts';

export interface FunderSlot {
  funderId: string;
  visibility: string;
  /** US cents awarded (grants only), pooled-fund contributions, grant count, unconverted count. */
  amount: number;
  pooled: number;
  grants: number;
  unconverted: number;
}

export interface GranteeSlot {
  orgId: string;
  funderId: string;
  visibility: string;
  amount: number;
}

export interface CellParts {
  year: number;
  theme: string;
  region: string;
  funders: FunderSlot[];
  grantees: GranteeSlot[];
}

export function partsOf(cell: StoredCell): CellParts {
  const funders = new Map<string, FunderSlot>();
  const grantees: GranteeSlot[] = [];
  for (const [name, value] of Object.entries(cell.values)) {
    const [kind, ...rest] = name.split('|');
    if (kind === 'g') {
      const [orgId, funderId, visibility] = rest;
      if (orgId && funderId && visibility) grantees.push({ orgId, funderId, visibility, amount: value });
      continue;
    }
    const [funderId, visibility] = rest;
    if (!funderId || !visibility) continue;
    const key = `${funderId}|${visibility}`;
    const slot = funders.get(key) ?? {
      funderId,
      visibility,
      amount: 0,
      pooled: 0,
      grants: 0,
      unconverted: 0,
    };
    if (kind === 'a') slot.amount += value;
    else if (kind === 'p') slot.pooled += value;
    else if (kind === 'n') slot.grants += value;
    else if (kind === 'u') slot.unconverted += value;
    funders.set(key, slot);
  }
  return {
    year: cell.year,
    theme: cell.theme,
    region: cell.region,
    funders: [...funders.values()],
    grantees,
  };
}

export interface PrivacyRule {
  /** At least this many funders the reader cannot see must contribute to a cell before it counts them. */
  k: number;
  /** The hidden funders other than the largest must add up to at least this share of the largest's money. */
  dominance: number;
}
export const DEFAULT_PRIVACY: PrivacyRule = { k: 3, dominance: 0.2 };

export type MayRead = (funderId: string, visibility: string) => boolean;

export interface IncludedCell extends CellParts {
  coverage: 'visible' | 'hub';
  /** Funders with at least one counted slot the reader may not see: never named. */
  hiddenFunders: Set<string>;
}

/**
 * What of one finest cell a reader may count. `funderFilter` narrows to some funders (a collaborative's):
 * then only visible records count, because a narrowed figure minus the full one would isolate the rest.
 * `visibleOnly` is for figures about one funder (portfolios), which hidden records must never reach.
 */
export function includedPart(
  parts: CellParts,
  mayRead: MayRead,
  rule: PrivacyRule,
  options: { funderFilter?: Set<string> | undefined; visibleOnly?: boolean } = {},
): IncludedCell {
  const { funderFilter } = options;
  const inScope = <T extends { funderId: string }>(list: T[]) =>
    funderFilter ? list.filter((s) => funderFilter.has(s.funderId)) : list;
  const funders = inScope(parts.funders);
  const grantees = inScope(parts.grantees);
  const hidden = funders.filter((s) => !mayRead(s.funderId, s.visibility));
  const visibleOnly: IncludedCell = {
    ...parts,
    coverage: 'visible',
    funders: funders.filter((s) => mayRead(s.funderId, s.visibility)),
    grantees: grantees.filter((s) => mayRead(s.funderId, s.visibility)),
    hiddenFunders: new Set(),
  };
  if (hidden.length === 0 || funderFilter || options.visibleOnly) return visibleOnly;
  const money = new Map<string, number>();
  for (const s of hidden) money.set(s.funderId, (money.get(s.funderId) ?? 0) + s.amount + s.pooled);
  if (money.size < rule.k) return visibleOnly;
  const amounts = [...money.values()];
  const largest = Math.max(...amounts);
  const others = amounts.reduce((a, b) => a + b, 0) - largest;
  if (largest > 0 && others < rule.dominance * largest) return visibleOnly;
  return { ...parts, funders, grantees, coverage: 'hub', hiddenFunders: new Set(money.keys()) };
}

export interface GroupMeasures {
  coverage: 'visible' | 'hub';
  totalCents: number;
  grants: number;
  funders: number;
  topFunder: { funderId: string; share: number } | null;
  hhi: number | null;
  dependents: Array<{ orgId: string; funderId: string; share: number; cents: number; named: boolean }>;
  exiting: { count: number; named: string[] };
  stopped: Array<{ funderId: string; lastYear: number }>;
  pooledCents: number;
  unconverted: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The measures of a group of finest cells, as far as each was included. `latestYearOf` is the last award year of
 * a funder's data the reader may see, anywhere in the hub: a funder has stopped granting here only when its data
 * goes on at least two years past its last grant here (data that ends in 2016 is not a funder that stopped).
 */
export function measure(
  cells: IncludedCell[],
  exitingFunders: Set<string>,
  latestYearOf: (funderId: string) => number | undefined = () => undefined,
): GroupMeasures {
  const byFunder = new Map<string, number>();
  const lastYear = new Map<string, number>();
  const hidden = new Set<string>();
  let grants = 0;
  let pooledCents = 0;
  let unconverted = 0;
  for (const cell of cells) {
    for (const id of cell.hiddenFunders) hidden.add(id);
    for (const s of cell.funders) {
      grants += s.grants;
      pooledCents += s.pooled;
      unconverted += s.unconverted;
      if (s.grants !== 0 || s.amount !== 0) {
        byFunder.set(s.funderId, (byFunder.get(s.funderId) ?? 0) + s.amount);
        lastYear.set(s.funderId, Math.max(lastYear.get(s.funderId) ?? 0, cell.year));
      }
    }
  }
  // Returned money (negative amounts) counts in the total; shares and HHI are of what funders gave, net, when positive.
  const totalCents = [...byFunder.values()].reduce((a, b) => a + b, 0);
  const given = [...byFunder.values()].reduce((a, b) => a + Math.max(0, b), 0);
  const shares = [...byFunder].map(([funderId, cents]) => ({
    funderId,
    share: given > 0 ? Math.max(0, cents) / given : 0,
  }));
  shares.sort((a, b) => b.share - a.share || a.funderId.localeCompare(b.funderId));
  const coverage = cells.some((c) => c.coverage === 'hub') ? 'hub' : 'visible';
  const top = shares[0];
  const hhi = given > 0 ? shares.reduce((sum, s) => sum + s.share ** 2, 0) : null;

  // A grantee depends on one funder when that funder gives it more than half of its money in the group.
  const granteeFunders = new Map<string, Map<string, number>>();
  for (const cell of cells) {
    for (const g of cell.grantees) {
      const funders = granteeFunders.get(g.orgId) ?? new Map<string, number>();
      funders.set(g.funderId, (funders.get(g.funderId) ?? 0) + g.amount);
      granteeFunders.set(g.orgId, funders);
    }
  }
  const dependents: GroupMeasures['dependents'] = [];
  for (const [orgId, funders] of granteeFunders) {
    const total = [...funders.values()].reduce((a, b) => a + b, 0);
    if (total <= 0) continue;
    const [funderId, cents] = [...funders].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
    if (cents / total > 0.5) {
      const named = [...funders.keys()].every((f) => !hidden.has(f));
      dependents.push({ orgId, funderId, share: round(cents / total, 4), cents, named });
    }
  }
  dependents.sort((a, b) => b.cents - a.cents || a.orgId.localeCompare(b.orgId));

  const exitingHere = [...byFunder.keys()].filter((f) => exitingFunders.has(f));
  return {
    coverage,
    totalCents,
    grants,
    funders: byFunder.size,
    // Figures that would single out a hidden funder are withheld: its share, its name, its HHI detail.
    topFunder:
      top && !hidden.has(top.funderId) ? { funderId: top.funderId, share: round(top.share, 4) } : null,
    hhi: hhi === null ? null : round(hhi, coverage === 'hub' ? 2 : 4),
    dependents,
    exiting: { count: exitingHere.length, named: exitingHere.filter((f) => !hidden.has(f)).sort() },
    // Stopped: granted here before, and its data goes on at least two years past its last grant here.
    stopped: [...lastYear]
      .filter(([f, y]) => {
        const latest = latestYearOf(f);
        return latest !== undefined && y < latest - 1 && !hidden.has(f);
      })
      .map(([funderId, y]) => ({ funderId, lastYear: y }))
      .sort((a, b) => a.funderId.localeCompare(b.funderId)),
    pooledCents,
    unconverted,
  };
}
