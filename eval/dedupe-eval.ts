// `npm run eval:dedupe`: precision and recall of organisation linking (blocking + scoring) on a labelled set
// built from the real 360Giving recipients plus generated name variants, per variant type.
// Writes its section of BENCHMARKS.md between the eval:dedupe markers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { writeSection } from '../bench/sections.ts';
import { countedOnce, type FunderRelations, moneyMatch } from '../shared/organisations/grant-links.ts';
import { type Mention, queryKeys, toMention } from '../shared/organisations/mention.ts';
import { DEFAULT_BLOCK_CAP, mentionBlockKeys } from '../shared/organisations/resolver.ts';
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  REFERENCE_FREQUENCIES,
  scorePair,
} from '../shared/organisations/scoring.ts';
import { seededRandom } from '../tools/seeded-random.ts';
import { CORPUS_MEMBERS, type CorpusGrant, generateCorpus } from './multi-funder-corpus.ts';
import { groupIndexes, pairsWithin } from './pairs.ts';
import {
  FileSchema,
  GRANTS,
  type OrgSchema,
  REAL_FILES,
  RECIPIENT_LABELS,
  recipientSet,
} from './real-recipients.ts';
import { loadRor, ROR_COUNTRIES, ROR_KINDS, ROR_NAMES, type RorSplit, rorSet } from './ror-names.ts';

const random = seededRandom(42);

type VariantType =
  | 'acronym'
  | 'typo'
  | 'legal-form'
  | 'word-order'
  | 'transliteration'
  | 'case'
  | 'identifier-only';
const VARIANTS: VariantType[] = [
  'acronym',
  'typo',
  'legal-form',
  'word-order',
  'transliteration',
  'case',
  'identifier-only',
];

function variantName(name: string, type: VariantType): string | null {
  const words = name.split(/\s+/).filter(Boolean);
  switch (type) {
    case 'acronym': {
      const significant = words.filter((w) => !/^(the|of|for|and|&|in|on|to)$/i.test(w));
      return significant.length >= 3
        ? `${significant.map((w) => w[0]?.toUpperCase()).join('')} (${name})`
        : null;
    }
    case 'typo': {
      const i = words.findIndex((w) => w.length >= 6);
      const w = words[i];
      if (i < 0 || !w) return null;
      const at = 1 + Math.floor(random() * (w.length - 2));
      words[i] = w.slice(0, at) + (w[at + 1] ?? '') + (w[at] ?? '') + w.slice(at + 2);
      return words.join(' ');
    }
    case 'legal-form':
      return /\b(limited|ltd\.?)$/i.test(name) ? name.replace(/\s*\b(limited|ltd\.?)$/i, '') : `${name} Ltd`;
    case 'word-order':
      return words.length >= 3 && /^the$/i.test(words[0] ?? '')
        ? `${words.slice(1).join(' ')}, The`
        : words.length >= 2
          ? `${words.slice(1).join(' ')} ${words[0]}`
          : null;
    case 'transliteration':
      return /[aeiou]/.test(name) ? name.replace(/e/, 'é').replace(/a/, 'á') : null;
    case 'case':
      return name.toUpperCase();
    case 'identifier-only':
      return name;
  }
}

export interface Labelled {
  mention: Mention;
  entity: string;
  variant: string;
  /** For a variant: the index of the source record it was made from. */
  source?: number;
}

function buildSet(): Labelled[] {
  const orgs = new Map<string, z.infer<typeof OrgSchema>>();
  for (const file of REAL_FILES) {
    const data = FileSchema.parse(JSON.parse(readFileSync(resolve(GRANTS, file), 'utf8')));
    for (const g of data.grants)
      for (const o of g.recipientOrganization ?? []) if (!orgs.has(o.id)) orgs.set(o.id, o);
  }
  const out: Labelled[] = [];
  let n = 0;
  for (const [id, org] of orgs) {
    // Truth: one published id is one organisation, and so are two ids published with the very same name at the
    // very same postcode (a charity re-registered as a CIO, or listed under its charity and its school number):
    // a crosswalk read off the records themselves, not off the matcher.
    const entity = org.postalCode
      ? `${org.name.trim()}|${org.postalCode.replace(/\s+/g, '').toUpperCase()}`
      : id;
    // The source as its funder published it.
    const source = out.length;
    out.push({ mention: toMention(org), entity, variant: 'source' });
    const type = VARIANTS[n++ % VARIANTS.length] ?? 'case';
    const name = variantName(org.name, type);
    if (!name) continue;
    // Another funder's report of the same grantee: its own internal id; only the identifier-only variant
    // (and half of the others) carries the charity number.
    const keepNumber = type === 'identifier-only' || random() < 0.5;
    out.push({
      mention: toMention({
        id: `360G-OTHER-${n}`,
        name:
          type === 'identifier-only'
            ? `${org.name.split(/\s+/)[0] ?? ''} ${org.name.split(/\s+/).slice(-1)[0] ?? ''}`
            : name,
        ...(keepNumber && org.charityNumber ? { charityNumber: org.charityNumber } : {}),
        ...(org.postalCode && random() < 0.5 ? { postalCode: org.postalCode } : {}),
      }),
      entity,
      variant: type,
      source,
    });
  }
  return out;
}

export function evaluate() {
  const set = buildSet();
  const truePairs = new Map<string, string>();
  set.forEach((item, i) => {
    if (item.variant === 'source') return;
    const source = item.source ?? -1;
    truePairs.set(`${Math.min(source, i)}|${Math.max(source, i)}`, item.variant);
  });
  return scoreSet(set, truePairs, VARIANTS);
}

/**
 * Pairs compared inside blocks (as the resolver does), scored, and measured against the truth. A true pair may
 * carry several labels (its variant type and its country, say): each is reported.
 */
/**
 * As the resolver works: each mention, in order of arrival, reads (at most the first DEFAULT_BLOCK_CAP members
 * of) the blocks it searches, then is filed under its own blocks. The pairs met, as "i|j".
 */
export function candidatePairs(set: Labelled[]): Set<string> {
  const blocks = new Map<string, number[]>();
  const candidates = new Set<string>();
  set.forEach((item, i) => {
    const own = mentionBlockKeys(item.mention);
    for (const key of queryKeys(own)) {
      for (const j of (blocks.get(key) ?? []).slice(0, DEFAULT_BLOCK_CAP)) candidates.add(`${j}|${i}`);
    }
    for (const key of own) blocks.set(key, [...(blocks.get(key) ?? []), i]);
  });
  return candidates;
}

export function scoreSet(
  set: Labelled[],
  truePairs: Map<string, string | string[]>,
  variants: readonly string[],
  config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
) {
  const frequencies = REFERENCE_FREQUENCIES;
  const candidates = candidatePairs(set);
  // Different published ids can still be one organisation (a charity reported under its GB-CHC id and its
  // GB-COH id); count a pair as true when the sources share a registered identifier.
  const stats = { auto: 0, autoTrue: 0, review: 0, reviewTrue: 0, idAuto: 0, idAutoTrue: 0 };
  const falseLinks: Array<{ a: string; b: string; score: number }> = [];
  const autoEdges: Array<[number, number]> = [];
  const reviewEdges: Array<[number, number]> = [];
  const perType = new Map<string, { total: number; found: number; auto: number }>();
  const truesFound = { found: 0, auto: 0, compared: 0 };
  // True pairs that names can reach at all: the names share a word or an acronym (or the records a number).
  const reachable = new Set(
    [...truePairs.keys()].filter((pair) => {
      const [i, j] = pair.split('|').map(Number) as [number, number];
      const a = set[i]?.mention;
      const b = set[j]?.mention;
      if (!a || !b) return false;
      return (
        a.tokens.some((t) => b.tokens.includes(t)) ||
        a.acronyms.some((t) => b.acronyms.includes(t)) ||
        sharesRegistration(a, b)
      );
    }),
  );
  const reached = { compared: 0, found: 0 };
  for (const t of variants) perType.set(t, { total: 0, found: 0, auto: 0 });
  for (const type of [...truePairs.values()].flat()) {
    const entry = perType.get(type);
    if (entry) entry.total += 1;
  }
  for (const pair of candidates) {
    const [i, j] = pair.split('|').map(Number) as [number, number];
    const a = set[i];
    const b = set[j];
    if (!a || !b) continue;
    const scored = scorePair(a.mention, b.mention, config, frequencies);
    const same = a.entity === b.entity || sharesRegistration(a.mention, b.mention);
    const idBased = scored.evidence.some((e) => e.feature === 'registeredId' && e.outcome === 'shared');
    if (scored.band === 'link') autoEdges.push([i, j]);
    if (scored.band === 'review') reviewEdges.push([i, j]);
    if (scored.band === 'link') {
      stats.auto += 1;
      if (same) stats.autoTrue += 1;
      else falseLinks.push({ a: a.mention.name, b: b.mention.name, score: scored.score });
      if (idBased) {
        stats.idAuto += 1;
        if (same) stats.idAutoTrue += 1;
      }
    } else if (scored.band === 'review') {
      stats.review += 1;
      if (same) stats.reviewTrue += 1;
    }
    if (truePairs.has(pair)) {
      truesFound.compared += 1;
      if (scored.band !== 'no-link') truesFound.found += 1;
      if (scored.band === 'link') truesFound.auto += 1;
    }
    if (reachable.has(pair)) {
      reached.compared += 1;
      if (scored.band !== 'no-link') reached.found += 1;
    }
    for (const type of [truePairs.get(pair) ?? []].flat()) {
      const entry = perType.get(type);
      if (entry && scored.band !== 'no-link') entry.found += 1;
      if (entry && scored.band === 'link') entry.auto += 1;
    }
  }
  const totalTrue = truePairs.size;
  // The hub links mentions into organisations, so a true pair is also found through a chain of links.
  const clustersAuto = clusters(set.length, autoEdges);
  const clustersWithReview = clusters(set.length, [...autoEdges, ...reviewEdges]);
  const inCluster = (roots: number[]) =>
    [...truePairs.keys()].filter((p) => {
      const [x, y] = p.split('|').map(Number) as [number, number];
      return roots[x] === roots[y];
    }).length / Math.max(1, totalTrue);
  const { found: foundTrue, auto: autoFound } = truesFound;
  // As the resolver opens them: a mention queues its best candidate in each of at most three other organisations
  // (the organisations the automatic links formed), never one in its own.
  const reviewOf = new Map<number, Set<number>>();
  for (const [i, j] of reviewEdges) {
    const later = Math.max(i, j);
    const root = clustersAuto[Math.min(i, j)] as number;
    if (root === clustersAuto[later]) continue;
    const roots = reviewOf.get(later) ?? new Set<number>();
    if (roots.size < 3) roots.add(root);
    reviewOf.set(later, roots);
  }
  const reviewOpened = [...reviewOf.values()].reduce((s, r) => s + r.size, 0);
  return {
    mentions: set.length,
    candidatePairs: candidates.size,
    allPairs: (set.length * (set.length - 1)) / 2,
    truePairs: totalTrue,
    /** Share of true pairs that blocking ever put side by side. */
    blockingRecall: truesFound.compared / Math.max(1, totalTrue),
    /** Share of true pairs whose names share a word or an acronym (or whose records share a number). */
    reachableShare: reachable.size / Math.max(1, totalTrue),
    /** Of those: compared by blocking, and found (automatic or review). */
    reachableBlockingRecall: reached.compared / Math.max(1, reachable.size),
    reachableRecallWithReview: reached.found / Math.max(1, reachable.size),
    precisionAuto: stats.auto === 0 ? 1 : stats.autoTrue / stats.auto,
    precisionIdentifier: stats.idAuto === 0 ? 1 : stats.idAutoTrue / stats.idAuto,
    identifierLinks: stats.idAuto,
    recallAuto: autoFound / totalTrue,
    recallWithReview: foundTrue / totalTrue,
    clusterRecallAuto: inCluster(clustersAuto),
    clusterRecallWithReview: inCluster(clustersWithReview),
    clusterPrecisionAuto: clusterPrecision(set, clustersAuto),
    reviewQueue: stats.review,
    /** Review pairs the resolver would open (see above), per 1,000 mentions. */
    reviewPerThousand: (reviewOpened * 1000) / Math.max(1, set.length),
    reviewPrecision: stats.review === 0 ? 1 : stats.reviewTrue / stats.review,
    perType: Object.fromEntries(
      [...perType].map(([t, e]) => [
        t,
        {
          pairs: e.total,
          recallAuto: e.total ? e.auto / e.total : 0,
          recallWithReview: e.total ? e.found / e.total : 0,
        },
      ]),
    ),
    config: config.version,
    falseLinks,
  };
}

/** Organisation links on real names (ROR), per split; null when the file is not beside the repository. */
export function evaluateRor() {
  const rows = loadRor();
  if (!rows) return null;
  const labels = [...ROR_KINDS, ...ROR_COUNTRIES.map((c) => `country ${c}`)];
  const out = {} as Record<RorSplit, ReturnType<typeof scoreSet> & { organisations: number }>;
  for (const split of ['tuning', 'held-out'] as const) {
    const { set, truePairs, organisations } = rorSet(rows, split);
    out[split] = { ...scoreSet(set, truePairs, labels), organisations };
  }
  const namesOnly = rorSet(rows, 'held-out', { country: false });
  return {
    ...out,
    namesOnly: {
      ...scoreSet(namesOnly.set, namesOnly.truePairs, ROR_KINDS),
      organisations: namesOnly.organisations,
    },
  };
}

/** The real 360Giving recipients, a mention per grant, ids hidden on half: the held-out half. */
export function evaluateRecipients() {
  const { set, truePairs, organisations } = recipientSet('held-out');
  return { ...scoreSet(set, truePairs, RECIPIENT_LABELS), organisations };
}

/** Organisation and grant links on the generated multi-funder corpus, whose truth is known by construction. */
export async function evaluateCorpus(organisations = 3000) {
  const corpus = generateCorpus(organisations);
  const set: Labelled[] = corpus.mentions.map((m) => ({
    mention: toMention(m.input),
    entity: String(m.org),
    variant: m.variant,
  }));
  const truePairs = new Map<string, string>();
  for (const group of groupIndexes(corpus.mentions, (m) => m.org)) {
    for (const [i, j] of pairsWithin(group))
      truePairs.set(`${i}|${j}`, corpus.mentions[j]?.variant ?? 'as-is');
  }
  const organisationLinks = scoreSet(
    set,
    truePairs,
    [...new Set(corpus.mentions.map((m) => m.variant))].filter((v) => v !== 'as-is'),
  );
  return { organisations, organisationLinks, grantLinks: await evaluateGrantLinks(corpus.grants) };
}

/**
 * Grant links inside each organisation's records, in the order they reach the hub: each record is compared with
 * the ones before it, as the resolver does. Truth comes from the generator (re-uploads, pooled contributions;
 * co-funding and annual renewals are separate money).
 */
async function evaluateGrantLinks(grants: CorpusGrant[]) {
  const relations: Pick<FunderRelations, 'pooledFundOf' | 'isMember'> = {
    pooledFundOf: async (funderId) => (funderId === 'pooled-fund' ? 'alliance' : null),
    isMember: async (funderId, collaborative) => collaborative === 'alliance' && CORPUS_MEMBERS.has(funderId),
  };
  const byOrg = new Map<number, CorpusGrant[]>();
  for (const g of grants) byOrg.set(g.org, [...(byOrg.get(g.org) ?? []), g]);
  const predicted = new Map<string, { to: string; kind: string }>();
  for (const records of byOrg.values()) {
    for (let i = 0; i < records.length; i++) {
      const incoming = records[i] as CorpusGrant;
      for (let j = 0; j < i; j++) {
        const older = records[j] as CorpusGrant;
        const match = await moneyMatch(incoming, older, relations);
        if (match && !predicted.has(match.secondary.grantId)) {
          predicted.set(match.secondary.grantId, { to: match.primary.grantId, kind: match.kind });
        }
      }
    }
  }
  const kinds = ['reupload', 'contribution'] as const;
  const perKind = Object.fromEntries(
    kinds.map((kind) => {
      const truth = grants.filter((g) => g.truth === kind);
      const found = truth.filter((g) => predicted.get(g.grantId)?.to === g.countedIn).length;
      const claimed = [...predicted.values()].filter((p) => p.kind === kind).length;
      const right = grants.filter(
        (g) =>
          predicted.get(g.grantId)?.kind === kind &&
          predicted.get(g.grantId)?.to === g.countedIn &&
          g.truth === kind,
      ).length;
      return [
        kind,
        {
          truePairs: truth.length,
          predicted: claimed,
          precision: claimed ? right / claimed : 1,
          recall: truth.length ? found / truth.length : 1,
        },
      ];
    }),
  );
  const allTrue = grants.filter((g) => g.countedIn !== null);
  const correct = allTrue.filter((g) => predicted.get(g.grantId)?.to === g.countedIn).length;
  const falseLinks = grants.filter(
    (g) => predicted.has(g.grantId) && predicted.get(g.grantId)?.to !== g.countedIn,
  );
  const trueTotal = grants.filter((g) => g.countedIn === null).reduce((s, g) => s + g.amount, 0);
  const counted = countedOnce(
    grants.map((g) => {
      const to = predicted.get(g.grantId)?.to;
      return { mentionId: g.grantId, amount: g.amount, moneyLink: to ? { toMentionId: to } : null };
    }),
  ).reduce((s, g) => s + g.amount, 0);
  const naiveTotal = grants.reduce((s, g) => s + g.amount, 0);
  return {
    grants: grants.length,
    precision: predicted.size ? (predicted.size - falseLinks.length) / predicted.size : 1,
    recall: allTrue.length ? correct / allTrue.length : 1,
    perKind,
    separateMoneyLinked: {
      coFunding: falseLinks.filter((g) => g.truth === 'co-funding').length,
      renewals: falseLinks.filter((g) => g.truth === 'renewal').length,
      secondProjects: falseLinks.filter((g) => g.truth === 'second-project').length,
    },
    trueTotal,
    countedTotal: counted,
    naiveTotal,
  };
}

/** Union-find: the organisation (root index) each mention ends up in, given the links made. */
function clusters(size: number, edges: Array<[number, number]>): number[] {
  const parent = Array.from({ length: size }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number;
      x = parent[x] as number;
    }
    return x;
  };
  for (const [a, b] of edges) parent[find(a)] = find(b);
  return parent.map((_, i) => find(i));
}

/** Of the pairs of mentions that share a predicted organisation, the share that truly are one organisation. */
function clusterPrecision(set: Labelled[], roots: number[]): number {
  const members = new Map<number, number[]>();
  roots.forEach((root, i) => {
    members.set(root, [...(members.get(root) ?? []), i]);
  });
  let pairs = 0;
  let right = 0;
  for (const group of members.values()) {
    for (const [x, y] of pairsWithin(group)) {
      const a = set[x];
      const b = set[y];
      pairs += 1;
      if (a && b && (a.entity === b.entity || sharesRegistration(a.mention, b.mention))) right += 1;
    }
  }
  return pairs === 0 ? 1 : right / pairs;
}

function sharesRegistration(a: Mention, b: Mention): boolean {
  return a.identifiers.some((x) => x.registered && b.identifiers.some((y) => y.canonical === x.canonical));
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const f1 = (p: number, rc: number) => (p + rc === 0 ? 0 : (2 * p * rc) / (p + rc));
const count = (n: number) => n.toLocaleString('en-GB');

function organisationTable(r: ReturnType<typeof scoreSet>): string {
  return `| measure | value | target |
|---|---|---|
| precision, automatic links | ${pct(r.precisionAuto)} | ≥ 98% |
| precision, identifier-based automatic links | ${r.identifierLinks === 0 ? '— (none: no identifiers)' : pct(r.precisionIdentifier)} | ≥ 99.5% |
| precision of the organisations formed (pairs sharing one) | ${pct(r.clusterPrecisionAuto)} | |
| recall, automatic links (pair by pair / through organisations) | ${pct(r.recallAuto)} / ${pct(r.clusterRecallAuto)} | |
| recall, automatic + review band (pair by pair / through organisations) | ${pct(r.recallWithReview)} / ${pct(r.clusterRecallWithReview)} | ≥ 90% |
| F1, automatic (pair by pair) | ${pct(f1(r.precisionAuto, r.recallAuto))} | |
| pairs in the review band (precision) | ${count(r.reviewQueue)} (${pct(r.reviewPrecision)}) | |
| candidate pairs scored (of all pairs) | ${count(r.candidatePairs)} (of ${count(r.allPairs)}) | |
| true pairs blocking compared | ${pct(r.blockingRecall)} | ≥ 95% |
| true pairs whose names share a word or an acronym (or records a number) | ${pct(r.reachableShare)} | |
| of those: compared by blocking / found with review | ${pct(r.reachableBlockingRecall)} / ${pct(r.reachableRecallWithReview)} | ≥ 95% / |
| review pairs opened per 1,000 new mentions (best of up to 3 other organisations each) | ${r.reviewPerThousand.toFixed(0)} | |

| variant type | true pairs | recall, automatic | recall, with review |
|---|---|---|---|
${Object.entries(r.perType)
  .map(([t, e]) => `| ${t} | ${count(e.pairs)} | ${pct(e.recallAuto)} | ${pct(e.recallWithReview)} |`)
  .join('\n')}`;
}

function rorSection(ror: ReturnType<typeof evaluateRor>): string {
  if (!ror) return `### Organisation links, real names (ROR)\n\nNot measured: ${ROR_NAMES} was not found.\n`;
  const h = ror['held-out'];
  const t = ror.tuning;
  return `### Organisation links, real names (ROR), names and country only

\`../shared/data/organisation-names/ror-organisation-names.csv\` (\`eval/ror-names.ts\`): real organisations with their
labels, aliases, acronyms and names in other languages (CC0). Every name of an organisation arrives as one funder's
recipient with its country and no identifier, in a seeded random order; every two names of one organisation are a
true pair, labelled by the rarer name kind (acronym, then alias, then label) and by country. Split by the first
byte of SHA-256(ROR id): the tuning half (${count(t.organisations)} organisations, ${count(t.mentions)} names, ${count(t.truePairs)} true pairs) is the only one
rules and thresholds may be chosen on; the **held-out half** (${count(h.organisations)} organisations, ${count(h.mentions)} names,
${count(h.truePairs)} true pairs) is the result. Tuning half: precision automatic ${pct(t.precisionAuto)}, recall with review ${pct(t.recallWithReview)}.

Held-out half:

${organisationTable(h)}

The same held-out names **without their country** (names only, as many published files are):

${organisationTable(ror.namesOnly)}
`;
}

function render(
  real: ReturnType<typeof evaluate>,
  corpus: Awaited<ReturnType<typeof evaluateCorpus>>,
  ror: ReturnType<typeof evaluateRor>,
  recipients: ReturnType<typeof evaluateRecipients>,
): string {
  const g = corpus.grantLinks;
  return `<!-- eval:dedupe -->
## De-duplication quality (\`npm run eval:dedupe\`, ${new Date().toISOString().slice(0, 10)})

Config ${real.config}: m, u and thresholds (automatic ${DEFAULT_MATCHING_CONFIG.autoLink}, review ${DEFAULT_MATCHING_CONFIG.review}) estimated by \`npm run tune:matching\` on the tuning halves only (\`shared/organisations/reference/matching-weights.json\`); word weights from \`reference/token-frequencies.json\`. Candidates come from the resolver's own
blocking (\`mentionBlockKeys\`/\`queryKeys\`, the first ${DEFAULT_BLOCK_CAP} members of a block), with mentions arriving one at a
time; every candidate pair is scored and banded as the resolver does. "Through organisations" counts a true pair as
found when a chain of links puts both mentions in one organisation, which is what the hub stores.

### Organisation links, real recipients

Every distinct recipient of the two real 360Giving files (${count(real.mentions)} mentions with the variants) plus, for each, one
generated report of the same grantee by another funder (its own internal 360G- id; half keep the charity number),
of one variant type in turn. Truth: one published id is one organisation, and so are two ids published with the
same name at the same postcode (a charity re-registered as a CIO, a school listed under two registers): a crosswalk
read off the records, not off the matcher.

${organisationTable(real)}

### Organisation links, real 360Giving recipients with ids hidden on half

Every grant's recipient in the two real files is one mention, in file order; on half of the records (seeded) the
registered ids are hidden (\`eval/real-recipients.ts\`). Truth: one published id, or one name at one postcode, is
one organisation. Split by SHA-256 of the organisation; the held-out half (${count(recipients.organisations)} organisations, ${count(recipients.mentions)}
mentions, ${count(recipients.truePairs)} true pairs) is reported. "names differ" are the true pairs whose names differ after case and spacing.

${organisationTable(recipients)}

${rorSection(ror)}
### Organisation links, generated multi-funder corpus

${count(corpus.organisations)} invented organisations (\`eval/multi-funder-corpus.ts\`), each written by 1-3 funders: as published (with
its charity number when it has one, 60% do), with a legal form, in capitals, as "ACRONYM (Name)", in another word
order, with two neighbouring letters swapped, or as first and last word plus the number. Truth is by construction.
The identifier-only variant shares nothing with the other variants but the number, so pair by pair it is found
only against records that carry that number; through organisations it is found via the record that does.

${organisationTable(corpus.organisationLinks)}

### Grant links (one money flow), generated multi-funder corpus

${count(g.grants)} grants to those organisations from four funders and one pooled fund (whose collaborative has two of them as
members), compared within each organisation in order of arrival (\`moneyMatch\` in \`shared/organisations/grant-links.ts\`).
Truth by construction: exact re-uploads under a new id, near re-uploads (amount +0.4%, award date 10 days off,
title reworded), a member's FRG040 report of a third of its pooled fund's grant; and as separate money that must
not link: annual renewals (same amount and title a year later), a second project the same month (often the same
amount), co-funding by another funder (often the same amount). The generated cases sit inside the rules'
thresholds by design, so this checks that the rules are implemented as stated, not how often real publishers
stay inside them.

| measure | value |
|---|---|
| precision, grant links | ${pct(g.precision)} |
| recall, grant links | ${pct(g.recall)} |
| F1 | ${pct(f1(g.precision, g.recall))} |
${Object.entries(g.perKind)
  .map(
    ([k, v]) =>
      `| ${k}: true links / predicted / precision / recall | ${count(v.truePairs)} / ${count(v.predicted)} / ${pct(v.precision)} / ${pct(v.recall)} |`,
  )
  .join('\n')}
| separate money wrongly linked: co-funding / renewals / second projects | ${g.separateMoneyLinked.coFunding} / ${g.separateMoneyLinked.renewals} / ${g.separateMoneyLinked.secondProjects} |
| total money: true / counted by the hub / naive sum of records | ${count(g.trueTotal)} / ${count(g.countedTotal)} / ${count(g.naiveTotal)} |
<!-- /eval:dedupe -->
`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const result = evaluate();
  const ror = evaluateRor();
  const recipients = evaluateRecipients();
  const corpus = await evaluateCorpus();
  console.log(
    JSON.stringify(
      {
        real: { ...result, falseLinks: result.falseLinks.slice(0, 20) },
        recipients: { ...recipients, falseLinks: recipients.falseLinks.slice(0, 20) },
        ror: ror && {
          tuning: { ...ror.tuning, falseLinks: ror.tuning.falseLinks.slice(0, 20) },
          heldOut: { ...ror['held-out'], falseLinks: ror['held-out'].falseLinks.length },
          namesOnly: { ...ror.namesOnly, falseLinks: ror.namesOnly.falseLinks.length },
        },
        corpus: {
          ...corpus,
          organisationLinks: {
            ...corpus.organisationLinks,
            falseLinks: corpus.organisationLinks.falseLinks.slice(0, 20),
          },
        },
      },
      null,
      2,
    ),
  );
  writeSection('eval:dedupe', render(result, corpus, ror, recipients));
  console.log('BENCHMARKS.md: eval:dedupe section written');
}
