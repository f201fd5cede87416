// Real organisation names for the de-duplication evaluation: ../shared/data/organisation-names (ROR, CC0), 12,007
// organisations with their labels, aliases, acronyms and names in other languages. Each name arrives as one
// funder's recipient (name and country only, as most migration grantees have no registered id); all names of one
// organisation are one entity. Split once by a hash of the ROR id into a tuning half and a held-out half: rules
// and thresholds may be chosen on the tuning half only, and the held-out half is what is reported as the result.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { toMention } from '../shared/organisations/mention.ts';
import { seededRandom } from '../tools/seeded-random.ts';
import type { Labelled } from './dedupe-eval.ts';
import { groupIndexes, pairsWithin } from './pairs.ts';

export const ROR_NAMES = resolve(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'organisation-names',
  'ror-organisation-names.csv',
);

const RowSchema = z.object({
  ror_id: z.string().min(1),
  name: z.string().min(1),
  name_types: z.string(),
  lang: z.string(),
  country_code: z.string(),
  domain: z.string(),
  org_types: z.string(),
});
type Row = z.infer<typeof RowSchema>;

export type RorSplit = 'tuning' | 'held-out';
/** Name kinds of a pair, the rarer kind first: an acronym against anything is an acronym pair. */
export const ROR_KINDS = ['acronym', 'alias', 'label'] as const;
/** Countries reported on their own (the largest in the file); the rest together. */
export const ROR_COUNTRIES = ['JP', 'FR', 'US', 'IN', 'GB', 'CA', 'DE', 'other'] as const;

export const splitOf = (rorId: string): RorSplit =>
  ((createHash('sha256').update(rorId).digest()[0] ?? 0) & 1) === 0 ? 'tuning' : 'held-out';

const kindOf = (row: Row) =>
  row.name_types.includes('acronym') ? 'acronym' : row.name_types.includes('alias') ? 'alias' : 'label';

export function loadRor(path = ROR_NAMES): Row[] | null {
  if (!existsSync(path)) return null;
  const rows = parse(readFileSync(path), { columns: true, skip_empty_lines: true }) as unknown[];
  return rows.map((r) => RowSchema.parse(r));
}

/**
 * One split as a labelled set: every name of every organisation in it is a mention (in a seeded random order of
 * arrival), and every two names of one organisation are a true pair, labelled with its kind and its country.
 */
export function rorSet(rows: Row[], split: RorSplit, options: { country?: boolean } = {}) {
  const byOrg = new Map<string, Row[]>();
  for (const row of rows) {
    if (splitOf(row.ror_id) !== split) continue;
    byOrg.set(row.ror_id, [...(byOrg.get(row.ror_id) ?? []), row]);
  }
  const random = seededRandom(split === 'tuning' ? 19 : 91);
  const names = [...byOrg.values()].flat();
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [names[i], names[j]] = [names[j] as Row, names[i] as Row];
  }
  const set: Labelled[] = names.map((row, i) => ({
    mention: toMention({
      id: `360G-ROR-${row.ror_id}-${i}`,
      name: row.name,
      ...(row.country_code && options.country !== false ? { addressCountry: row.country_code } : {}),
    }),
    entity: row.ror_id,
    variant: kindOf(row),
  }));
  const truePairs = new Map<string, string[]>();
  for (const [i, j] of groupIndexes(names, (row) => row.ror_id).flatMap(pairsWithin)) {
    const a = names[i] as Row;
    const b = names[j] as Row;
    const kind = ROR_KINDS.find((k) => kindOf(a) === k || kindOf(b) === k) ?? 'label';
    const country = (ROR_COUNTRIES as readonly string[]).includes(a.country_code) ? a.country_code : 'other';
    truePairs.set(`${i}|${j}`, [kind, `country ${country}`]);
  }
  return { set, truePairs, organisations: byOrg.size };
}
