// Fellegi-Sunter scoring of two mentions: each feature agrees, disagrees or is missing, and adds an explainable
// log-likelihood weight. Weights can be estimated from pairs that share a registered identifier (no labelling).
import { identifiersConflict, sharedRegisteredIdentifiers } from './identifiers.ts';
import type { Mention } from './mention.ts';

export type Outcome = 'agree' | 'disagree' | 'missing';
export type Feature =
  | 'registeredId'
  | 'name'
  | 'nameFuzzy'
  | 'fingerprint'
  | 'tokens'
  | 'acronym'
  | 'domain'
  | 'country'
  | 'postcode';

export interface FeatureProbabilities {
  /** P(agree | same organisation) */
  m: number;
  /** P(agree | different organisations) */
  u: number;
}

export interface MatchingConfig {
  version: string;
  features: Record<Feature, FeatureProbabilities>;
  /** Score at or above which a link is made automatically. */
  autoLink: number;
  /** Score at or above which the pair goes to human review. */
  review: number;
}

/** Starting weights (before estimation); thresholds chosen so one strong signal alone never auto-links. */
export const DEFAULT_MATCHING_CONFIG: MatchingConfig = {
  version: 'org-match-2026-11-23',
  features: {
    registeredId: { m: 0.95, u: 0.0001 },
    name: { m: 0.6, u: 0.002 },
    // Names equal but for one slip per word (a transposed or mistyped letter); asked only when names differ.
    nameFuzzy: { m: 0.1, u: 0.0005 },
    fingerprint: { m: 0.7, u: 0.004 },
    tokens: { m: 0.85, u: 0.02 },
    acronym: { m: 0.5, u: 0.01 },
    domain: { m: 0.8, u: 0.001 },
    country: { m: 0.97, u: 0.3 },
    postcode: { m: 0.8, u: 0.001 },
  },
  autoLink: 12,
  review: 5,
};

export interface Evidence {
  feature: Feature;
  outcome: Outcome;
  weight: number;
}

export interface ScoredPair {
  score: number;
  band: 'link' | 'review' | 'no-link';
  evidence: Evidence[];
  /** Set when a hard rule decided regardless of the score. */
  rule?: 'conflicting-registration';
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

/** Tokens match when equal, or, for words of 5 letters or more, one slip apart. */
const tokensMatch = (x: string, y: string) =>
  x === y || (x.length >= 5 && y.length >= 5 && withinOneEdit(x, y));

function softJaccard(a: string[], b: string[]): number {
  const matched = a.filter((x) => b.some((y) => tokensMatch(x, y))).length;
  const union = a.length + b.length - matched;
  return union === 0 ? 0 : matched / union;
}

/**
 * Full names (several words) are what is compared when both sides have one: an acronym written beside a name
 * ("TWT (Tamlo Welcome Trust)") must not make two different trusts with the same initials agree on the name.
 */
function comparable(values: string[]): string[] {
  const long = values.filter((v) => v.includes(' '));
  return long.length > 0 ? long : values;
}

function fuzzyNamesAgree(a: string[], b: string[]): boolean {
  return a.some((x) =>
    b.some((y) => {
      const xs = x.split(' ').sort();
      const ys = y.split(' ').sort();
      return xs.length === ys.length && xs.every((t, i) => tokensMatch(t, ys[i] as string));
    }),
  );
}

function outcomes(a: Mention, b: Mention): Record<Feature, Outcome> {
  const registeredA = a.identifiers.some((i) => i.registered);
  const registeredB = b.identifiers.some((i) => i.registered);
  const both = <T>(x: T | null, y: T | null, equal: (x: T, y: T) => boolean): Outcome =>
    x === null || y === null ? 'missing' : equal(x, y) ? 'agree' : 'disagree';
  const acronymOf = (m: Mention) => new Set([...m.acronyms, ...m.names.filter((n) => !n.includes(' '))]);
  const acrA = acronymOf(a);
  const acrB = acronymOf(b);
  const namesA = comparable(a.names);
  const namesB = comparable(b.names);
  const fingerprintsA = comparable(a.fingerprints.filter(Boolean));
  const fingerprintsB = comparable(b.fingerprints.filter(Boolean));
  const nameAgrees = namesA.some((n) => namesB.includes(n));
  return {
    registeredId:
      !registeredA || !registeredB
        ? 'missing'
        : sharedRegisteredIdentifiers(a.identifiers, b.identifiers).length > 0
          ? 'agree'
          : 'disagree',
    name: nameAgrees ? 'agree' : 'disagree',
    nameFuzzy: nameAgrees ? 'missing' : fuzzyNamesAgree(namesA, namesB) ? 'agree' : 'disagree',
    fingerprint: fingerprintsA.some((f) => fingerprintsB.includes(f)) ? 'agree' : 'disagree',
    tokens: softJaccard(a.tokens, b.tokens) >= 0.75 ? 'agree' : 'disagree',
    acronym:
      acrA.size === 0 || acrB.size === 0
        ? 'missing'
        : [...acrA].some((x) => acrB.has(x))
          ? 'agree'
          : 'disagree',
    domain: both(a.domain, b.domain, (x, y) => x === y),
    country: both(a.country, b.country, (x, y) => x === y),
    postcode: both(a.postcode, b.postcode, (x, y) => x === y),
  };
}

export function weightOf(p: FeatureProbabilities, outcome: Outcome): number {
  if (outcome === 'missing') return 0;
  return outcome === 'agree' ? Math.log2(p.m / p.u) : Math.log2((1 - p.m) / (1 - p.u));
}

export function scorePair(
  a: Mention,
  b: Mention,
  config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
): ScoredPair {
  const found = outcomes(a, b);
  const evidence = (Object.keys(found) as Feature[]).map((feature) => ({
    feature,
    outcome: found[feature],
    weight: Math.round(weightOf(config.features[feature], found[feature]) * 100) / 100,
  }));
  const score = Math.round(evidence.reduce((s, e) => s + e.weight, 0) * 100) / 100;
  // Two different registrations in one scheme are two organisations, whatever the names say.
  if (identifiersConflict(a.identifiers, b.identifiers)) {
    return {
      score,
      band: 'no-link',
      evidence,
      rule: 'conflicting-registration',
      configVersion: config.version,
    };
  }
  const band = score >= config.autoLink ? 'link' : score >= config.review ? 'review' : 'no-link';
  return { score, band, evidence, configVersion: config.version };
}

/**
 * Estimates m and u per feature from labelled-by-construction pairs: `same` share a registered identifier,
 * `different` hold conflicting ones. Laplace smoothing keeps weights finite. The registeredId feature itself
 * is left as configured (it defined the labels).
 */
export function estimateConfig(
  same: Array<[Mention, Mention]>,
  different: Array<[Mention, Mention]>,
  base: MatchingConfig = DEFAULT_MATCHING_CONFIG,
): MatchingConfig {
  const rate = (pairs: Array<[Mention, Mention]>, feature: Feature) => {
    let agree = 0;
    let seen = 0;
    for (const [a, b] of pairs) {
      const o = outcomes(a, b)[feature];
      if (o === 'missing') continue;
      seen += 1;
      if (o === 'agree') agree += 1;
    }
    return (agree + 1) / (seen + 2);
  };
  const features = { ...base.features };
  for (const feature of Object.keys(features) as Feature[]) {
    if (feature === 'registeredId') continue;
    features[feature] = { m: rate(same, feature), u: rate(different, feature) };
  }
  return { ...base, version: `${base.version}+estimated(${same.length}/${different.length})`, features };
}
