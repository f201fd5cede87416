// What one resolved recipient mention adds to the gap rollups, and the change between two states of it.
// Money is counted once: on the grant's first recipient only, not at all when the record's money is already
// counted in another record (a re-upload, a member's share of a pooled grant), and FRG040 contributions to a
// pooled fund are kept apart (the pooled fund's own grants carry that money to grantees). A grant with several
// themes or regions is split evenly over its cells, so cells always add up to the money awarded.
import { type CellContribution, type CellRef, UNCLASSIFIED } from '../../schemas/gaps.ts';
import type { StoredMention } from '../../schemas/organisation.ts';
import { FUNDER_COLLABORATION } from '../organisations/grant-links.ts';
import { viewIdOf } from '../organisations/org-view.ts';
import { toUsdCents } from './fx-rates.ts';
import type { GrantNoise } from './gap-math.ts';

/** Cell attribute names: one per funder and visibility, so a reader can keep only what it may see. */
export const rollupAttribute = {
  amount: (funderId: string, visibility: string) => `a|${funderId}|${visibility}`,
  /** Private money only: the amount times the grant's noise factor (README "Disclosure"). */
  perturbed: (funderId: string, visibility: string) => `q|${funderId}|${visibility}`,
  grants: (funderId: string, visibility: string) => `n|${funderId}|${visibility}`,
  /** `ownKey` groups a funder's own grantees for the funder itself (org-view.ts granteeKeysOf). */
  grantee: (orgId: string, ownKey: string, funderId: string, visibility: string) =>
    `g|${orgId}|${ownKey}|${funderId}|${visibility}`,
  pooled: (funderId: string, visibility: string) => `p|${funderId}|${visibility}`,
  unconverted: (funderId: string, visibility: string) => `u|${funderId}|${visibility}`,
};

/**
 * More theme x region combinations than this (at most 10 x 10 are allowed) roll up under the themes alone, so
 * one change (old and new cells, each a cell and a grantee item) fits in one transaction.
 */
const MAX_CELLS = 20;

/**
 * A grant counts as this many units, split over its cells like its money: the least common multiple of 1..20
 * (MAX_CELLS), so every split is exact and any set of cells holding a grant's shares sums to whole grants. A
 * grant with two themes counts half in each theme's row, and rows and columns add up to the grants awarded.
 */
export const GRANT_UNITS = 232_792_560;

/** Grant units as grants, to two decimals (a row may hold part of a multi-theme grant). */
export const grantsOf = (units: number) => Math.round((units / GRANT_UNITS) * 100) / 100;

/** The year's total item: one count per funder and visibility, whatever the theme or region (funders' extent). */
export const YEAR_TOTAL = '*';

export const cellKeyOf = (cell: CellRef) => `${cell.year}#${cell.theme}#${cell.region}`;

export function cellsOf(mention: Pick<StoredMention, 'awardDate' | 'themes' | 'regions'>): CellRef[] {
  const year = Number(mention.awardDate.slice(0, 4));
  const themes = mention.themes.length > 0 ? [...mention.themes].sort() : [UNCLASSIFIED];
  let regions = mention.regions.length > 0 ? [...mention.regions].sort() : [UNCLASSIFIED];
  if (themes.length * regions.length > MAX_CELLS) regions = [UNCLASSIFIED];
  return themes.flatMap((theme) => regions.map((region) => ({ year, theme, region })));
}

/** Splits whole cents over n parts that add up exactly (the first parts take the remainder; negatives too). */
export function splitCents(cents: number, parts: number): number[] {
  const base = Math.floor(cents / parts);
  const rest = cents - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < rest ? 1 : 0));
}

/**
 * The organisation a grant's money counts under among grantees: the part of its organisation that records of its
 * own audience tie together (never a tie through a record some reader of it may not read); a mention written
 * before grantee keys counts on its own.
 */
export function granteeOf(mention: Pick<StoredMention, 'granteeKey' | 'mentionId'>): string {
  return mention.granteeKey ?? viewIdOf(mention.mentionId);
}

/** The same among its funder's own records (what the funder sees of its own grantees). */
export function ownGranteeOf(mention: Pick<StoredMention, 'ownKey' | 'mentionId'>): string {
  return mention.ownKey ?? viewIdOf(mention.mentionId);
}

/**
 * `noise` gives the grant's factor: a private grant's share of each cell also counts, multiplied by it, in the
 * cell's perturbed private money, the only figure about it anyone but its funder is shown.
 */
export function contributionOf(mention: StoredMention | null, noise: GrantNoise): CellContribution[] {
  if (mention?.index !== 0 || mention.moneyLink) return [];
  const cells = cellsOf(mention);
  const { funderId, visibility } = mention;
  const year = cells[0]?.year ?? 0;
  const fx = toUsdCents(mention.amount, mention.currency, year);
  const units = splitCents(GRANT_UNITS, cells.length);
  // Whatever its cells, the grant counts once in its award year's total (what a funder's data covers).
  const total = {
    cell: { year, theme: YEAR_TOTAL, region: YEAR_TOTAL },
    values: { [rollupAttribute.grants(funderId, visibility)]: GRANT_UNITS },
  };
  if (!fx.converted) {
    return [
      ...cells.map((cell, i) => ({
        cell,
        values: { [rollupAttribute.unconverted(funderId, visibility)]: units[i] ?? 0 },
      })),
      total,
    ];
  }
  const shares = splitCents(fx.cents, cells.length);
  const pooled = mention.regrantType === FUNDER_COLLABORATION;
  const factor = visibility === 'private' && !pooled ? noise(funderId, mention.grantId, year) : undefined;
  return [
    ...cells.map((cell, i) => {
      const cents = shares[i] ?? 0;
      const values: Record<string, number> = pooled
        ? { [rollupAttribute.pooled(funderId, visibility)]: cents }
        : {
            [rollupAttribute.amount(funderId, visibility)]: cents,
            [rollupAttribute.grants(funderId, visibility)]: units[i] ?? 0,
            [rollupAttribute.grantee(granteeOf(mention), ownGranteeOf(mention), funderId, visibility)]: cents,
            ...(factor !== undefined
              ? { [rollupAttribute.perturbed(funderId, visibility)]: Math.round(cents * factor) }
              : {}),
          };
      return { cell, values };
    }),
    ...(pooled ? [] : [total]),
  ];
}

/** Per cell, what to add to move the rollups from one contribution to the other (zero changes left out). */
export function contributionDelta(before: CellContribution[], after: CellContribution[]): CellContribution[] {
  const cells = new Map<string, CellContribution>();
  const add = (list: CellContribution[], sign: 1 | -1) => {
    for (const { cell, values } of list) {
      const key = cellKeyOf(cell);
      const entry = cells.get(key) ?? { cell, values: {} };
      for (const [name, value] of Object.entries(values)) {
        entry.values[name] = (entry.values[name] ?? 0) + sign * value;
      }
      cells.set(key, entry);
    }
  };
  add(before, -1);
  add(after, 1);
  const out: CellContribution[] = [];
  for (const entry of cells.values()) {
    const values = Object.fromEntries(Object.entries(entry.values).filter(([, v]) => v !== 0));
    if (Object.keys(values).length > 0) out.push({ cell: entry.cell, values });
  }
  return out;
}

/** Orders the states of one mention: a later grant version, then a later revision, then its removal. */
export function appliedKeyOf(grantVersion: number, revision: number, removed: boolean): string {
  return `${String(grantVersion).padStart(10, '0')}.${String(revision).padStart(10, '0')}.${removed ? 1 : 0}`;
}
