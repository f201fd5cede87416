// `npm run tune:matching`: estimates the matcher's m and u per comparison level, and chooses its thresholds, on the
// TUNING halves only of the real name sets (ROR names, ../shared/data/organisation-names; the real 360Giving
// recipients with ids hidden on half), and writes shared/organisations/reference/matching-weights.json.
//   u: random pairs of mentions of different organisations (what most pairs in a hub are);
//   m: true pairs (names of one ROR organisation; records of one registered organisation), at most
//      MAX_PAIRS_PER_ENTITY per organisation so that a grantee with many grants does not stand for all;
//   thresholds: a sweep over the candidate pairs the resolver's blocking produces, automatic links at the lowest
//      score where precision is at least AUTO_PRECISION on every tuning set, review at the lowest score where the
//      band's pairs, and its weakest half-point slice, are still at least REVIEW_PRECISION true.
// The held-out halves are what `npm run eval:dedupe` reports; nothing here reads them.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeSection } from '../bench/sections.ts';
import type { Mention } from '../shared/organisations/mention.ts';
import {
  estimateConfig,
  levelsOf,
  type MatchingConfig,
  NAMES_CLOSE,
  REFERENCE_FREQUENCIES,
  scorePair,
  type TokenFrequencies,
} from '../shared/organisations/scoring.ts';
import { seededRandom } from '../tools/seeded-random.ts';
import { candidatePairs, type Labelled } from './dedupe-eval.ts';
import { recipientSet } from './real-recipients.ts';
import { loadRor, rorSet } from './ror-names.ts';

const TARGET = resolve(
  import.meta.dirname,
  '..',
  'shared',
  'organisations',
  'reference',
  'matching-weights.json',
);
const RANDOM_PAIRS = 1_000_000;
const MAX_PAIRS_PER_ENTITY = 6;
export const AUTO_PRECISION = 0.99;
export const REVIEW_PRECISION = 0.1;
/** A half-point slice with fewer pairs than this in a set says nothing about that set. */
export const MIN_SLICE_PAIRS = 5;

/**
 * Where estimation starts, and what stays for a feature the tuning data compares too rarely (postcodes and web
 * domains: the name sets have none; the 360Giving files few pairs): hand-set, one strong signal alone never links.
 */
const PRIORS: MatchingConfig = {
  version: 'org-match-priors',
  autoLink: 18,
  review: 8,
  levels: {
    registeredId: {
      shared: { m: 0.9, u: 0.0001 },
      internal: { m: 0.3, u: 0.000001 },
      conflicting: { m: 0.01, u: 0.05 },
    },
    name: {
      exact: { m: 0.45, u: 0.0005 },
      'exact-common': { m: 0.1, u: 0.0005 },
      reordered: { m: 0.03, u: 0.00005 },
      typo: { m: 0.05, u: 0.00005 },
      acronym: { m: 0.08, u: 0.0005 },
      'short-acronym': { m: 0.05, u: 0.001 },
      contained: { m: 0.1, u: 0.002 },
      'overlap-high': { m: 0.05, u: 0.002 },
      'overlap-mid': { m: 0.06, u: 0.01 },
      'overlap-low': { m: 0.05, u: 0.03 },
      different: { m: 0.13, u: 0.95 },
    },
    legalForm: { same: { m: 0.7, u: 0.4 }, different: { m: 0.3, u: 0.6 } },
    qualifier: {
      same: { m: 0.3, u: 0.05 },
      'one-sided': { m: 0.4, u: 0.3 },
      different: { m: 0.05, u: 0.65 },
    },
    country: { same: { m: 0.95, u: 0.3 }, different: { m: 0.05, u: 0.7 } },
    postcode: {
      unit: { m: 0.7, u: 0.0005 },
      district: { m: 0.15, u: 0.02 },
      same: { m: 0.7, u: 0.01 },
      different: { m: 0.15, u: 0.97 },
    },
    domain: { same: { m: 0.8, u: 0.001 }, different: { m: 0.2, u: 0.999 } },
  },
};

interface TuningSet {
  name: string;
  set: Labelled[];
  /** The pairs the resolver's blocking puts side by side ("i|j"), found once. */
  candidates: Set<string>;
  truePairs: Map<string, unknown>;
}

export function tuningSets(): TuningSet[] {
  const rows = loadRor();
  if (!rows) throw new Error('../shared/data/organisation-names/ror-organisation-names.csv not found');
  const withCandidates = (name: string, labelled: { set: Labelled[]; truePairs: Map<string, unknown> }) => ({
    name,
    ...labelled,
    candidates: candidatePairs(labelled.set),
  });
  return [
    withCandidates('ROR names and country (tuning half)', rorSet(rows, 'tuning')),
    withCandidates('ROR names only (tuning half)', rorSet(rows, 'tuning', { country: false })),
    withCandidates('360Giving recipients, ids hidden on half (tuning half)', recipientSet('tuning')),
  ];
}

function labelledPairs(sets: TuningSet[]) {
  const random = seededRandom(7);
  const same: Array<[Mention, Mention]> = [];
  const different: Array<[Mention, Mention]> = [];
  for (const { set, truePairs } of sets) {
    const perEntity = new Map<string, number>();
    for (const key of truePairs.keys()) {
      const [i, j] = key.split('|').map(Number) as [number, number];
      const a = set[i] as Labelled;
      const n = perEntity.get(a.entity) ?? 0;
      if (n >= MAX_PAIRS_PER_ENTITY) continue;
      perEntity.set(a.entity, n + 1);
      same.push([a.mention, (set[j] as Labelled).mention]);
    }
    const target = different.length + Math.round(RANDOM_PAIRS / sets.length);
    while (different.length < target) {
      const a = set[Math.floor(random() * set.length)] as Labelled;
      const b = set[Math.floor(random() * set.length)] as Labelled;
      if (a.entity !== b.entity) different.push([a.mention, b.mention]);
    }
  }
  return { same, different };
}

function closePairs(sets: TuningSet[], frequencies: TokenFrequencies) {
  const same: Array<[Mention, Mention]> = [];
  const different: Array<[Mention, Mention]> = [];
  for (const { set, candidates } of sets) {
    for (const pair of candidates) {
      const [i, j] = pair.split('|').map(Number) as [number, number];
      const a = set[i] as Labelled;
      const b = set[j] as Labelled;
      if (!NAMES_CLOSE.has(levelsOf(a.mention, b.mention, frequencies).name)) continue;
      (a.entity === b.entity ? same : different).push([a.mention, b.mention]);
    }
  }
  return { same, different };
}

export interface SweepRow {
  threshold: number;
  /** Per set: pairs at or above, and the share of them true. */
  sets: Array<{ atOrAbove: number; precision: number; recall: number }>;
}

/** Candidate pairs of each set (the resolver's blocking), scored once; precision and recall at each threshold. */
export function sweep(sets: TuningSet[], config: MatchingConfig, thresholds: number[]) {
  const scored = sets.map(({ set, truePairs, candidates }) => {
    const frequencies = REFERENCE_FREQUENCIES;
    return [...candidates].map((pair) => {
      const [i, j] = pair.split('|').map(Number) as [number, number];
      const a = set[i] as Labelled;
      const b = set[j] as Labelled;
      const scored = scorePair(a.mention, b.mention, config, frequencies);
      return {
        score: scored.score,
        // Kept apart by a rule whatever the score (names that share nothing, conflicting numbers): never reviewed.
        ruled: scored.rule !== undefined && scored.band === 'no-link',
        same: a.entity === b.entity,
        labelled: truePairs.has(pair),
      };
    });
  });
  return thresholds.map((threshold) => ({
    threshold,
    sets: scored.map((pairs, k) => {
      const above = pairs.filter((p) => p.score >= threshold);
      const right = above.filter((p) => p.same).length;
      const total = sets[k]?.truePairs.size ?? 1;
      return {
        atOrAbove: above.length,
        precision: above.length === 0 ? 1 : right / above.length,
        recall: above.filter((p) => p.labelled).length / Math.max(1, total),
      };
    }),
    /** Per set: the pairs a person would review with scores in [from, to), and the share of them that are true. */
    band: (from: number, to: number) =>
      scored.map((pairs) => {
        const inBand = pairs.filter((p) => !p.ruled && p.score >= from && p.score < to);
        return {
          pairs: inBand.length,
          precision: inBand.length === 0 ? 1 : inBand.filter((p) => p.same).length / inBand.length,
        };
      }),
  }));
}

export function tune(): { config: MatchingConfig; table: string } {
  const sets = tuningSets();
  const frequencies: TokenFrequencies = REFERENCE_FREQUENCIES;
  const { same, different } = labelledPairs(sets);
  // Names and countries from all labelled and random pairs; the rest below, or (qualifiers) as the priors say.
  const estimated = estimateConfig(same, different, PRIORS, {
    frequencies,
    only: ['name', 'country'],
    version: `org-match-${new Date().toISOString().slice(0, 10)}`,
  });
  // Legal forms, qualifiers, postcodes and domains tell close names apart: measured among candidate pairs (the
  // resolver's blocking) whose names are close, true pairs for m and the rest for u.
  const close = closePairs(sets, frequencies);
  const config0 = estimateConfig(close.same, close.different, estimated, {
    frequencies,
    // Qualifiers stay as configured: ROR lists one record per organisation, so two branches of one name are
    // almost absent from the tuning data (28 pairs), and the 360Giving files carry none.
    only: ['legalForm', 'postcode', 'domain'],
    version: estimated.version,
  });
  const thresholds = Array.from({ length: 49 }, (_, i) => i * 0.5);
  const rows = sweep(sets, config0, thresholds);
  const auto = rows.find((r) => r.sets.every((s) => s.precision >= AUTO_PRECISION))?.threshold ?? 24;
  // Review: the lowest threshold whose band below automatic is worth a person's time on every set, and whose
  // weakest pairs (the half-point slice just above it) are too, wherever a set has a few of them: a band judged
  // only as a whole took in thousands of pairs that were never true below better ones that were.
  const review =
    rows.find(
      (r) =>
        r.threshold < auto &&
        r.band(r.threshold, auto).every((b) => b.precision >= REVIEW_PRECISION) &&
        r
          .band(r.threshold, r.threshold + 0.5)
          .every((b) => b.pairs < MIN_SLICE_PAIRS || b.precision >= REVIEW_PRECISION),
    )?.threshold ?? auto;
  const config = { ...config0, autoLink: auto, review };
  const table = [
    `| threshold | ${sets.map((s) => `${s.name}: pairs ≥, precision, recall`).join(' | ')} |`,
    `|---|${sets.map(() => '---').join('|')}|`,
    ...rows
      .filter((r) => r.threshold % 1 === 0 || r.threshold === auto || r.threshold === review)
      .map(
        (r) =>
          `| ${r.threshold}${r.threshold === auto ? ' (auto)' : ''}${r.threshold === review ? ' (review)' : ''} | ${r.sets
            .map((s) => `${s.atOrAbove}, ${(s.precision * 100).toFixed(1)}%, ${(s.recall * 100).toFixed(1)}%`)
            .join(' | ')} |`,
      ),
  ].join('\n');
  return { config, table };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { config, table } = tune();
  console.log(table);
  console.log(`autoLink ${config.autoLink}, review ${config.review}`);
  for (const [feature, levels] of Object.entries(config.levels)) {
    console.log(
      feature,
      Object.entries(levels)
        .map(([l, p]) => `${l} ${Math.log2(p.m / p.u).toFixed(2)}`)
        .join(', '),
    );
  }
  writeFileSync(TARGET, `${JSON.stringify(config, null, 2)}\n`);
  console.log(`written ${TARGET}`);
  writeSection(
    'tune:matching',
    `<!-- tune:matching -->
### Thresholds: the sweep on the tuning halves (\`npm run tune:matching\`, ${new Date().toISOString().slice(0, 10)})

Every candidate pair the resolver's blocking produces on each tuning half, scored with the estimated weights: at each
threshold, how many pairs score at or above it, how many of those are true, and the share of the set's true pairs
they hold. Automatic links: the lowest threshold with at least ${AUTO_PRECISION * 100}% precision on every set
(${config.autoLink}). Review: the lowest threshold whose band below automatic, and whose weakest half-point slice (where
a set has at least ${MIN_SLICE_PAIRS} pairs there), are at least ${REVIEW_PRECISION * 100}% true on every set
(${config.review}); pairs a rule decides (names that share nothing, conflicting numbers) are left out of the bands. The
held-out halves are never read here.

${table}
<!-- /tune:matching -->
`,
  );
  console.log('BENCHMARKS.md: tune:matching section written');
}
