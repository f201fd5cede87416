// Fellegi-Sunter scoring of two mentions with graded comparison levels: each feature is compared once, lands on
// one level (or is missing), and adds the level's log-likelihood weight log2(m/u), where m = P(level | same
// organisation) and u = P(level | different organisations). Every link keeps its evidence per feature and level.
// m and u come from data (`npm run tune:matching`, eval/tune-matching.ts): u from random pairs of mentions, m from
// labelled pairs; token weights come from the hub's own token frequencies (TokenFrequencies), not from a list.
import { identifiersConflict, sharedRegisteredIdentifiers } from './identifiers.ts';
import type { Mention } from './mention.ts';
import { isStopWord } from './names.ts';
import tuned from './reference/matching-weights.json' with { type: 'json' };
import referenceFrequencies from './reference/token-frequencies.json' with { type: 'json' };

/** The levels of each feature, best first; a feature not comparable (a side lacks it) is missing. */
export const FEATURE_LEVELS = {
  // internal: the same funder-internal id (360G-...) on both, a funder's own name for its recipient.
  registeredId: ['shared', 'internal', 'conflicting'],
  name: [
    'exact',
    'exact-common',
    'reordered',
    'typo',
    'acronym',
    'short-acronym',
    'contained',
    'overlap-high',
    'overlap-mid',
    'overlap-low',
    'different',
  ],
  legalForm: ['same', 'different'],
  qualifier: ['same', 'one-sided', 'different'],
  country: ['same', 'different'],
  postcode: ['unit', 'district', 'same', 'different'],
  domain: ['same', 'different'],
} as const;

export type Feature = keyof typeof FEATURE_LEVELS;
export type Level<F extends Feature = Feature> = (typeof FEATURE_LEVELS)[F][number];
export const FEATURES = Object.keys(FEATURE_LEVELS) as Feature[];
/** Features that say where an organisation is rather than which it is: they count only when the names are close. */
export const LOCATORS: ReadonlySet<Feature> = new Set(['postcode', 'domain']);
/**
 * Name levels at which a shared postcode or web domain is evidence (a site's ZIP is shared by its neighbours), and
 * at which legal forms, qualifiers and locators are estimated: they tell two close names apart, so their m and u are
 * measured among pairs whose names are close (see eval/tune-matching.ts).
 */
export const NAMES_CLOSE: ReadonlySet<string> = new Set(
  FEATURE_LEVELS.name.slice(0, FEATURE_LEVELS.name.indexOf('overlap-high') + 1),
);

export interface LevelProbabilities {
  /** P(level | same organisation) */
  m: number;
  /** P(level | different organisations) */
  u: number;
}

export interface MatchingConfig {
  version: string;
  levels: { [F in Feature]: Record<Level<F>, LevelProbabilities> };
  /** Score at or above which a link is made automatically. */
  autoLink: number;
  /** Score at or above which the pair goes to human review. */
  review: number;
}

/** m and u per level as estimated from data (eval/tune-matching.ts), with the thresholds chosen on the tuning half. */
export const DEFAULT_MATCHING_CONFIG: MatchingConfig = tuned as MatchingConfig;

/** How many in 10,000 mentions use a token: the rarer, the more an agreement on it says. */
export type TokenFrequencies = (token: string) => number;
/** Mentions per which TokenFrequencies counts; a token in that many or more weighs almost nothing. */
const REFERENCE_MENTIONS = 10_000;
const REFERENCE_TABLE: Readonly<Record<string, number>> = referenceFrequencies.perTenThousand;
/**
 * Frequencies of words in real organisation names (tools/build-reference.ts: the 360Giving recipients and the
 * tuning half of the ROR names), used until the hub counts its own.
 */
export const REFERENCE_FREQUENCIES: TokenFrequencies = (token) => REFERENCE_TABLE[token] ?? 0;
const UNSEEN: TokenFrequencies = REFERENCE_FREQUENCIES;

/** A name is distinctive when one of its words is this informative (in about 1 in 250 mentions or fewer). */
const DISTINCTIVE_BITS = 5.3;

/** Information (bits) of one token: log2 of how much rarer than "everywhere" it is. */
export function tokenWeight(token: string, frequencies: TokenFrequencies = UNSEEN): number {
  return Math.max(0.05, Math.log2(1 + REFERENCE_MENTIONS / (1 + Math.max(0, frequencies(token)))));
}

export interface Evidence {
  feature: Feature;
  /** The level the pair reached, or 'missing'. */
  outcome: string;
  weight: number;
}

export interface ScoredPair {
  score: number;
  band: 'link' | 'review' | 'no-link';
  evidence: Evidence[];
  /** Set when a hard rule decided regardless of the score. */
  rule?: 'conflicting-registration' | 'shared-registration' | 'names-differ';
  configVersion: string;
}

/** At most one insertion, deletion, substitution or swap of neighbours between two words. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.slice(i) === long.slice(i + 1);
}

/** A word a slip of the pen could have changed: five letters or more, no digits ("UMR5292" is a number). */
const slipProne = (x: string) => /^[a-z]{5,}$/.test(x);

/** Tokens match when equal, or, for words that can carry a slip, one slip apart. */
const tokensMatch = (x: string, y: string) =>
  x === y || (slipProne(x) && slipProne(y) && withinOneEdit(x, y));

/**
 * Full names (several words) are what is compared when both sides have one: an acronym written beside a name
 * ("TWT (Tamlo Welcome Trust)") must not make two different trusts with the same initials agree on the name.
 */
function comparable(values: string[]): string[] {
  const long = values.filter((v) => v.includes(' '));
  return long.length > 0 ? long : values;
}

const significant = (name: string) => name.split(' ').filter((w) => w && !isStopWord(w));

/**
 * Frequency-weighted overlap of two token lists (a slip counts as a match): the matched weight over the union's.
 * "TaxAid" / "TaxAid UK": the extra "uk" weighs little.
 */
function weightedOverlap(a: string[], b: string[], frequencies: TokenFrequencies) {
  const used = new Set<number>();
  let matched = 0;
  for (const x of a) {
    const j = b.findIndex((y, k) => !used.has(k) && tokensMatch(x, y));
    if (j < 0) continue;
    used.add(j);
    // A matched pair weighs as its more common spelling: a slip must not make a word rarer.
    matched += Math.min(tokenWeight(x, frequencies), tokenWeight(b[j] as string, frequencies));
  }
  const total = (xs: string[]) => xs.reduce((s, t) => s + tokenWeight(t, frequencies), 0);
  const union = total(a) + total(b) - matched;
  return { jaccard: union <= 0 ? 0 : matched / union };
}

function namePairLevel(
  x: string,
  y: string,
  frequencies: TokenFrequencies,
  isAcronym: (name: string) => boolean,
): Level<'name'> {
  // Two bare acronyms agree as acronyms, not as names: "IRIS" and "IRIS" are many organisations.
  const acronymLevel = (name: string) => (name.length <= 3 ? 'short-acronym' : 'acronym');
  if (isAcronym(x) || isAcronym(y)) return x === y ? acronymLevel(x) : 'different';
  const xs = significant(x);
  const ys = significant(y);
  // Equal but for stop words. A name made only of common words ("Ministry of Health", "Citizens Advice") is
  // many organisations' name: its agreement says less.
  if (x === y || (xs.length > 0 && xs.join(' ') === ys.join(' '))) {
    return Math.max(0, ...xs.map((t) => tokenWeight(t, frequencies))) >= DISTINCTIVE_BITS
      ? 'exact'
      : 'exact-common';
  }
  if (xs.length > 0 && [...xs].sort().join(' ') === [...ys].sort().join(' ')) return 'reordered';
  if (xs.length > 0 && xs.length === ys.length && xs.every((t, i) => tokensMatch(t, ys[i] as string))) {
    return 'typo';
  }
  // Contained: every word of the shorter name, as written, in the longer, and what the longer adds weighs little.
  const shorter = xs.length <= ys.length ? xs : ys;
  const longer = shorter === xs ? ys : xs;
  const { jaccard } = weightedOverlap(xs, ys, frequencies);
  if (shorter.length > 0 && shorter.every((t) => longer.includes(t)) && jaccard >= 0.7) return 'contained';
  if (jaccard >= 0.8) return 'overlap-high';
  if (jaccard >= 0.6) return 'overlap-mid';
  if (jaccard >= 0.4) return 'overlap-low';
  return 'different';
}

const NAME_LEVELS: readonly string[] = FEATURE_LEVELS.name;

function nameLevel(a: Mention, b: Mention, frequencies: TokenFrequencies): Level<'name'> {
  const namesA = comparable(a.names);
  const namesB = comparable(b.names);
  const written = new Set([...a.writtenAcronyms, ...b.writtenAcronyms]);
  const isAcronym = (name: string) => !name.includes(' ') && written.has(name);
  let best: Level<'name'> = 'different';
  for (const x of namesA) {
    for (const y of namesB) {
      const level = namePairLevel(x, y, frequencies, isAcronym);
      if (NAME_LEVELS.indexOf(level) < NAME_LEVELS.indexOf(best)) best = level;
    }
  }
  if (NAME_LEVELS.indexOf(best) <= NAME_LEVELS.indexOf('short-acronym')) return best;
  // An acronym against an expansion: one side is written only as an acronym, the other's initials spell it.
  const onlyAcronym = (m: Mention) => m.writtenAcronyms.length > 0 && !m.names.some((n) => n.includes(' '));
  const spelt = (short: Mention, long: Mention) =>
    onlyAcronym(short) ? short.writtenAcronyms.find((x) => long.acronyms.includes(x)) : undefined;
  const acronym = spelt(a, b) ?? spelt(b, a);
  if (!acronym) return best;
  return acronym.length <= 3 ? 'short-acronym' : 'acronym';
}

const UK_UNIT_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/;
const UK_OUTWARD = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})?$/;

/** Postcodes compare by country: a full UK unit postcode is a street, its outward part a district; a ZIP a town. */
function postcodeLevel(a: Mention, b: Mention): Level<'postcode'> | 'missing' {
  if (!a.postcode || !b.postcode) return 'missing';
  if (a.country && b.country && a.country !== b.country) return 'missing';
  const uk = (m: Mention) => (m.country ?? 'GB') === 'GB' && UK_OUTWARD.test(m.postcode ?? '');
  if (uk(a) && uk(b)) {
    if (a.postcode === b.postcode && UK_UNIT_POSTCODE.test(a.postcode)) return 'unit';
    const outward = (p: string) => UK_OUTWARD.exec(p)?.[1];
    return outward(a.postcode) === outward(b.postcode) ? 'district' : 'different';
  }
  return a.postcode === b.postcode ? 'same' : 'different';
}

/** Two lists of values: sharing one, sharing none, or only one side has any. */
function compareLists(x: string[], y: string[], same: Level, different: Level, oneSided?: Level) {
  if (x.length === 0 && y.length === 0) return 'missing';
  if (x.length === 0 || y.length === 0) return oneSided ?? 'missing';
  return x.some((v) => y.includes(v)) ? same : different;
}

/** Both carry the same internal 360G- id: one funder's own identifier for one recipient (never registered). */
const sameInternalId = (a: Mention, b: Mention) =>
  a.identifiers.some(
    (x) =>
      x.scheme === '360G' && b.identifiers.some((y) => y.scheme === '360G' && y.canonical === x.canonical),
  );

/** The level each feature reaches for this pair ('missing' when it cannot be compared). */
export function levelsOf(
  a: Mention,
  b: Mention,
  frequencies: TokenFrequencies = UNSEEN,
): Record<Feature, string> {
  const both = <T>(x: T | null, y: T | null): string =>
    x === null || y === null ? 'missing' : x === y ? 'same' : 'different';
  return {
    // Numbers of different schemes (a charity number, a company number) say nothing either way: missing.
    registeredId:
      sharedRegisteredIdentifiers(a.identifiers, b.identifiers).length > 0
        ? 'shared'
        : identifiersConflict(a.identifiers, b.identifiers)
          ? 'conflicting'
          : sameInternalId(a, b)
            ? 'internal'
            : 'missing',
    name: nameLevel(a, b, frequencies),
    // Stored before 2026-12, a mention has no legal forms or qualifiers recorded: missing, not different.
    legalForm: compareLists(a.legalForms ?? [], b.legalForms ?? [], 'same', 'different'),
    qualifier: compareLists(a.qualifiers ?? [], b.qualifiers ?? [], 'same', 'different', 'one-sided'),
    country: both(a.country, b.country),
    postcode: postcodeLevel(a, b),
    domain: both(a.domain, b.domain),
  };
}

export function weightOf(config: MatchingConfig, feature: Feature, level: string): number {
  const p = (config.levels[feature] as Record<string, LevelProbabilities>)[level];
  return p ? Math.log2(p.m / p.u) : 0;
}

/** Registration levels that identify an organisation on their own, whatever its names. */
const IDENTIFYING: ReadonlySet<string> = new Set(['shared', 'internal']);

export function scorePair(
  a: Mention,
  b: Mention,
  config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
  frequencies: TokenFrequencies = UNSEEN,
): ScoredPair {
  const found = levelsOf(a, b, frequencies);
  const namesClose = NAMES_CLOSE.has(found.name);
  const evidence = FEATURES.map((feature) => {
    const level = found[feature];
    const raw = weightOf(config, feature, level);
    // A shared postcode or domain adds nothing to names that differ (an agency's sites share both).
    const weight = LOCATORS.has(feature) && raw > 0 && !namesClose ? 0 : raw;
    return { feature, outcome: level, weight: Math.round(weight * 100) / 100 };
  });
  const score = Math.round(evidence.reduce((s, e) => s + e.weight, 0) * 100) / 100;
  // Two different registrations in one scheme are two organisations, whatever the names say.
  if (found.registeredId === 'conflicting') {
    return {
      score,
      band: 'no-link',
      evidence,
      rule: 'conflicting-registration',
      configVersion: config.version,
    };
  }
  const band = score >= config.autoLink ? 'link' : score >= config.review ? 'review' : 'no-link';
  // A shared registered number is always worth a person's look, whatever the names say.
  if (band === 'no-link' && found.registeredId === 'shared') {
    return { score, band: 'review', evidence, rule: 'shared-registration', configVersion: config.version };
  }
  // Names that share nothing are one organisation only on a number that says so: a country, a legal form or a
  // qualifier in common names no organisation (on the ROR tuning half, such review pairs were 2% true).
  if (band !== 'no-link' && found.name === 'different' && !IDENTIFYING.has(found.registeredId)) {
    return { score, band: 'no-link', evidence, rule: 'names-differ', configVersion: config.version };
  }
  return { score, band, evidence, configVersion: config.version };
}

/**
 * Level rates over pairs, as m or u with add-one smoothing over the feature's levels, and how many pairs compared
 * each feature at all (were not missing).
 */
export function levelRates(
  pairs: Iterable<[Mention, Mention]>,
  frequencies: TokenFrequencies = UNSEEN,
  /** The least probability any level gets: a level never seen among few labelled pairs is rare, not impossible. */
  floor = 0,
): { rates: Record<Feature, Record<string, number>>; compared: Record<Feature, number> } {
  const counts = Object.fromEntries(
    FEATURES.map((f) => [f, Object.fromEntries(FEATURE_LEVELS[f].map((l) => [l, 0]))]),
  ) as Record<Feature, Record<string, number>>;
  for (const [a, b] of pairs) {
    const found = levelsOf(a, b, frequencies);
    for (const f of FEATURES) {
      const level = found[f];
      const row = counts[f];
      if (level !== 'missing' && row[level] !== undefined) row[level] += 1;
    }
  }
  const rates = {} as Record<Feature, Record<string, number>>;
  const compared = {} as Record<Feature, number>;
  for (const f of FEATURES) {
    const row = counts[f];
    const seen = Object.values(row).reduce((s, n) => s + n, 0);
    const levels = FEATURE_LEVELS[f].length;
    compared[f] = seen;
    rates[f] = Object.fromEntries(
      FEATURE_LEVELS[f].map((l) => [l, Math.max(floor, ((row[l] ?? 0) + 1) / (seen + levels))]),
    );
  }
  return { rates, compared };
}

const M_FLOOR = 0.005;
/** Labelled pairs and random pairs that must compare a feature before it is estimated rather than configured. */
const MIN_PAIRS = 50;

/**
 * m and u per level from pairs known to be the same organisation (`same`) and pairs of different ones
 * (`different`: random pairs of mentions are nearly all different). Features not in `only` (by default every one
 * but registeredId, which labels pairs elsewhere) stay as in `base`.
 */
export function estimateConfig(
  same: Array<[Mention, Mention]>,
  different: Array<[Mention, Mention]>,
  base: MatchingConfig = DEFAULT_MATCHING_CONFIG,
  options: { frequencies?: TokenFrequencies; only?: Feature[]; version?: string } = {},
): MatchingConfig {
  // Labelled pairs are few and of a few kinds: no level is taken as rarer than 1 in 200 among true pairs
  // (two funders may well give one organisation different countries). Random pairs are many: u stands as counted.
  const m = levelRates(same, options.frequencies, M_FLOOR);
  const u = levelRates(different, options.frequencies);
  const only = new Set(options.only ?? FEATURES.filter((f) => f !== 'registeredId'));
  const levels = {} as Record<Feature, Record<string, LevelProbabilities>>;
  for (const f of FEATURES) {
    // Too few pairs compare this feature at all: its estimate would be noise, keep the configured one.
    const tooFew = m.compared[f] < MIN_PAIRS || u.compared[f] < MIN_PAIRS;
    levels[f] =
      !only.has(f) || tooFew
        ? (base.levels[f] as Record<string, LevelProbabilities>)
        : Object.fromEntries(
            FEATURE_LEVELS[f].map((l) => [l, { m: m.rates[f][l] as number, u: u.rates[f][l] as number }]),
          );
  }
  return {
    ...base,
    version: options.version ?? `${base.version}+estimated(${same.length}/${different.length})`,
    levels: levels as MatchingConfig['levels'],
  };
}
