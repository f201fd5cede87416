// Pure gap arithmetic: what of a cell a reader is shown (the disclosure rule), and the measures of a group
// of cells (total, funders, top share, HHI, dependent grantees, exiting and stopped funders).
//
// Disclosure: every measure is exact over the records the reader may read; the only figure that touches other
// money is each finest cell's perturbed private figure, computed from the cell alone, the same for every caller
// (so two callers' answers, or one caller's before and after a change of its memberships, differ only in what
// each may read). A coarser figure is the sum of its finest cells' figures as shown.
import { createHmac } from 'node:crypto';
import type { StoredCell } from './gap-repository.ts';

export interface FunderSlot {
  funderId: string;
  visibility: string;
  /** US cents awarded (grants only), pooled-fund contributions, grant count, unconverted count. */
  amount: number;
  /** Private money only: the cents awarded, each grant's share multiplied by that grant's noise factor. */
  perturbed: number;
  pooled: number;
  grants: number;
  unconverted: number;
}

export interface GranteeSlot {
  /** The grantee as any reader of the slot may group it: records of one audience tied together. */
  orgId: string;
  /** The grantee as its funder groups its own records (for the funder's own view only). */
  ownKey: string;
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
      // Before own keys a grantee slot had three parts: the shared key stands for both.
      const [orgId, ownKey, funderId, visibility] = rest.length === 3 ? [rest[0], ...rest] : rest;
      if (orgId && ownKey && funderId && visibility)
        grantees.push({ orgId, ownKey, funderId, visibility, amount: value });
      continue;
    }
    const [funderId, visibility] = rest;
    if (!funderId || !visibility) continue;
    const key = `${funderId}|${visibility}`;
    const slot = funders.get(key) ?? {
      funderId,
      visibility,
      amount: 0,
      perturbed: 0,
      pooled: 0,
      grants: 0,
      unconverted: 0,
    };
    if (kind === 'a') slot.amount += value;
    else if (kind === 'q') slot.perturbed += value;
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

/**
 * The disclosure rule (README "Disclosure"). A cell's private money (records of visibility `private`, all funders)
 * is shown to anyone only as one perturbed figure, the same for every caller, and only when at least `k` funders
 * have private money there and no one dominates it (the p% rule on the perturbed parts: what lies beyond the two
 * largest is at least `p` of the largest). Each private grant's money counts multiplied by 1 + m or 1 - m, m between
 * `noise.min` and `noise.max`: the direction is the funder's for the award year, the size the grant's (keyedNoise).
 */
export interface PrivacyRule {
  k: number;
  p: number;
  noise: { min: number; max: number };
}

export const DEFAULT_PRIVACY: PrivacyRule = { k: 3, p: 0.1, noise: { min: 0.15, max: 0.3 } };

export type MayRead = (funderId: string, visibility: string) => boolean;

/** The factor one private grant's money is multiplied by in the shown figures, in every cell it counts in. */
export type GrantNoise = (funderId: string, grantId: string, year: number) => number;

/**
 * Noise from a secret key (HMAC-SHA256), fixed per grant as County Business Patterns fixes it per business:
 * - one factor per grant, the same in every cell the grant is split over (twenty cells show one factor twenty
 *   times, nothing to average or intersect), kept when the grant is edited, and independent of the funder's other
 *   grants' factors (one made public, its factor then known, says nothing about another's size);
 * - one direction per funder and award year: all of a funder's private grants of a year move the same way, so
 *   its money in any cell, or in any sum of cells of that year, is off by 15-30% however many grants it holds
 *   (independent directions would cancel out over a funder's grants and leave its totals close to the truth).
 */
export function keyedNoise(key: Buffer, rule: PrivacyRule = DEFAULT_PRIVACY): GrantNoise {
  const { min, max } = rule.noise;
  const hash = (text: string) => createHmac('sha256', key).update(text).digest();
  return (funderId, grantId, year) => {
    const sign = (hash(`direction|${funderId}|${year}`)[0] ?? 0) & 1 ? 1 : -1;
    const unit = hash(`size|${funderId}|${grantId}|${year}`).readUInt32BE(0) / 2 ** 32;
    return 1 + sign * (min + (max - min) * unit);
  };
}

export interface ShownCell extends CellParts {
  /** Cents: the perturbed figure of the cell's private money, or null where the rule withholds it. */
  privateEstimate: number | null;
}

/** Each funder's private money in a cell as perturbed (cents), funders with none left out. */
export function perturbedPrivate(parts: CellParts): Map<string, number> {
  const money = new Map<string, number>();
  for (const s of parts.funders) {
    if (s.visibility !== 'private' || s.perturbed === 0) continue;
    money.set(s.funderId, (money.get(s.funderId) ?? 0) + s.perturbed);
  }
  for (const [funderId, cents] of money) if (cents === 0) money.delete(funderId);
  return money;
}

/** Whether the rule lets a cell with these private parts (per funder; the perturbed ones) show its figure. */
export function privateFigureAllowed(money: Map<string, number>, rule: PrivacyRule): boolean {
  if (money.size < rule.k) return false;
  const sizes = [...money.values()].map(Math.abs).sort((a, b) => b - a);
  const [largest = 0, second = 0] = sizes;
  const beyond = sizes.reduce((a, b) => a + b, 0) - largest - second;
  return beyond >= rule.p * largest;
}

/**
 * The perturbed figure of a cell's private money (cents, whole dollars), computed from the cell alone: the same
 * for every caller, whatever it may read. Null when fewer than k funders have private money there or one
 * dominates it, judged on the perturbed parts: a rule judged on the true amounts would answer "shown" or "null"
 * exactly at a threshold set by the true amounts, and funders that vary their own grants across it could read a
 * confidential total off that threshold. Judged on the perturbed parts, the answer depends on the target only
 * through its perturbed part, which the figure itself already carries.
 */
export function privateEstimate(parts: CellParts, rule: PrivacyRule): number | null {
  const perturbed = perturbedPrivate(parts);
  if (!privateFigureAllowed(perturbed, rule)) return null;
  let cents = 0;
  for (const part of perturbed.values()) cents += part;
  return Math.round(cents / 100) * 100;
}

/**
 * What of one finest cell a reader is shown: exactly the records it may read, and, from the cell alone, the
 * perturbed figure of all private money. `funderFilter` narrows to some funders (a collaborative's): then no
 * private figure, since a narrowed figure beside the full one would isolate the funders outside it.
 */
export function shownPart(
  parts: CellParts,
  mayRead: MayRead,
  rule: PrivacyRule,
  options: { funderFilter?: Set<string> | undefined } = {},
): ShownCell {
  return {
    ...readablePart(parts, mayRead, options.funderFilter),
    privateEstimate: options.funderFilter ? null : privateEstimate(parts, rule),
  };
}

/** Only the slots a reader may read (of some funders, if given): portfolios and suggestions count nothing else. */
export function readablePart(parts: CellParts, mayRead: MayRead, funderFilter?: Set<string>): CellParts {
  const keep = <T extends { funderId: string; visibility: string }>(list: T[]) =>
    list.filter((s) => (!funderFilter || funderFilter.has(s.funderId)) && mayRead(s.funderId, s.visibility));
  return { ...parts, funders: keep(parts.funders), grantees: keep(parts.grantees) };
}

export interface GroupMeasures {
  totalCents: number;
  /** Sum of the group's shown private figures (cents); null when no cell of the group shows one. */
  privateEstimateCents: number | null;
  grants: number;
  funders: number;
  topFunder: { funderId: string; share: number } | null;
  hhi: number | null;
  dependents: Array<{ orgId: string; funderId: string; share: number; cents: number }>;
  exiting: { count: number; named: string[] };
  stopped: Array<{ funderId: string; lastYear: number }>;
  pooledCents: number;
  unconverted: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The measures of a group of finest cells as shown: all over readable records, besides the private figures.
 * `latestYearOf` is the last award year of a funder's data the reader may see, anywhere in the hub: a funder has
 * stopped granting here only when its data goes on at least two years past its last grant here (data that ends in
 * 2016 is not a funder that stopped).
 */
export function measure(
  cells: ShownCell[],
  exitingFunders: Set<string>,
  latestYearOf: (funderId: string) => number | undefined = () => undefined,
): GroupMeasures {
  const byFunder = new Map<string, number>();
  const lastYear = new Map<string, number>();
  let grants = 0;
  let pooledCents = 0;
  let unconverted = 0;
  let privateEstimateCents: number | null = null;
  for (const cell of cells) {
    if (cell.privateEstimate !== null) {
      privateEstimateCents = (privateEstimateCents ?? 0) + cell.privateEstimate;
    }
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
    if (cents / total > 0.5) dependents.push({ orgId, funderId, share: round(cents / total, 4), cents });
  }
  dependents.sort((a, b) => b.cents - a.cents || a.orgId.localeCompare(b.orgId));

  const exitingHere = [...byFunder.keys()].filter((f) => exitingFunders.has(f)).sort();
  return {
    totalCents,
    privateEstimateCents,
    grants,
    funders: byFunder.size,
    topFunder: top ? { funderId: top.funderId, share: round(top.share, 4) } : null,
    hhi: hhi === null ? null : round(hhi, 4),
    dependents,
    exiting: { count: exitingHere.length, named: exitingHere },
    // Stopped: granted here before, and its data goes on at least two years past its last grant here.
    stopped: [...lastYear]
      .filter(([f, y]) => {
        const latest = latestYearOf(f);
        return latest !== undefined && y < latest - 1;
      })
      .map(([funderId, y]) => ({ funderId, lastYear: y }))
      .sort((a, b) => a.funderId.localeCompare(b.funderId)),
    pooledCents,
    unconverted,
  };
}
