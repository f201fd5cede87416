// `npm run eval:dedupe`: precision and recall of organisation linking (blocking + scoring) on a labelled set
// built from the real 360Giving recipients plus generated name variants, per variant type.
// Writes its section of BENCHMARKS.md between the eval:dedupe markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { blockingKeys, type Mention, toMention } from '../shared/organisations/mention.ts';
import { DEFAULT_MATCHING_CONFIG, scorePair } from '../shared/organisations/scoring.ts';
import { seededRandom } from '../tools/seeded-random.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FILES = ['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json'];
const OrgSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  charityNumber: z.string().optional(),
  companyNumber: z.string().optional(),
  postalCode: z.string().optional(),
  url: z.string().optional(),
});
const FileSchema = z.object({
  grants: z.array(z.looseObject({ recipientOrganization: z.array(OrgSchema).optional() })),
});

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

interface Labelled {
  mention: Mention;
  entity: string;
  variant: VariantType | 'source';
}

function buildSet(): Labelled[] {
  const orgs = new Map<string, z.infer<typeof OrgSchema>>();
  for (const file of FILES) {
    const data = FileSchema.parse(
      JSON.parse(readFileSync(resolve(ROOT, 'local/demo/360giving', file), 'utf8')),
    );
    for (const g of data.grants)
      for (const o of g.recipientOrganization ?? []) if (!orgs.has(o.id)) orgs.set(o.id, o);
  }
  const out: Labelled[] = [];
  let n = 0;
  for (const [entity, org] of orgs) {
    // The source as its funder published it.
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
    });
  }
  return out;
}

export function evaluate() {
  const set = buildSet();
  const blocks = new Map<string, number[]>();
  set.forEach((item, i) => {
    for (const key of blockingKeys(item.mention)) blocks.set(key, [...(blocks.get(key) ?? []), i]);
  });
  const candidates = new Set<string>();
  for (const members of blocks.values()) {
    if (members.length > 200) continue; // a block this common carries no signal
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) candidates.add(`${members[x]}|${members[y]}`);
    }
  }
  const truePairs = new Map<string, VariantType>();
  set.forEach((item, i) => {
    if (item.variant === 'source') return;
    const source = set.findIndex((s) => s.entity === item.entity && s.variant === 'source');
    truePairs.set(`${Math.min(source, i)}|${Math.max(source, i)}`, item.variant);
  });
  // Different published ids can still be one organisation (a charity reported under its GB-CHC id and its
  // GB-COH id); count a pair as true when the sources share a registered identifier.
  const stats = { auto: 0, autoTrue: 0, review: 0, reviewTrue: 0, idAuto: 0, idAutoTrue: 0 };
  const perType = new Map<string, { total: number; found: number; auto: number }>();
  for (const t of VARIANTS) perType.set(t, { total: 0, found: 0, auto: 0 });
  for (const [pair, type] of truePairs) {
    const entry = perType.get(type);
    if (entry) entry.total += 1;
    if (!candidates.has(pair)) continue;
  }
  for (const pair of candidates) {
    const [i, j] = pair.split('|').map(Number) as [number, number];
    const a = set[i];
    const b = set[j];
    if (!a || !b) continue;
    const scored = scorePair(a.mention, b.mention, DEFAULT_MATCHING_CONFIG);
    const same = a.entity === b.entity || sharesRegistration(a.mention, b.mention);
    const idBased = scored.evidence.some((e) => e.feature === 'registeredId' && e.outcome === 'agree');
    if (scored.band === 'link') {
      stats.auto += 1;
      if (same) stats.autoTrue += 1;
      if (idBased) {
        stats.idAuto += 1;
        if (same) stats.idAutoTrue += 1;
      }
    } else if (scored.band === 'review') {
      stats.review += 1;
      if (same) stats.reviewTrue += 1;
    }
    const type = truePairs.get(pair);
    const entry = type ? perType.get(type) : undefined;
    if (entry && scored.band !== 'no-link') entry.found += 1;
    if (entry && scored.band === 'link') entry.auto += 1;
  }
  const totalTrue = truePairs.size;
  const foundTrue = [...perType.values()].reduce((s, e) => s + e.found, 0);
  const autoFound = [...perType.values()].reduce((s, e) => s + e.auto, 0);
  return {
    mentions: set.length,
    candidatePairs: candidates.size,
    allPairs: (set.length * (set.length - 1)) / 2,
    truePairs: totalTrue,
    precisionAuto: stats.auto === 0 ? 1 : stats.autoTrue / stats.auto,
    precisionIdentifier: stats.idAuto === 0 ? 1 : stats.idAutoTrue / stats.idAuto,
    recallAuto: autoFound / totalTrue,
    recallWithReview: foundTrue / totalTrue,
    reviewQueue: stats.review,
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
    config: DEFAULT_MATCHING_CONFIG.version,
  };
}

function sharesRegistration(a: Mention, b: Mention): boolean {
  return a.identifiers.some((x) => x.registered && b.identifiers.some((y) => y.canonical === x.canonical));
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function render(r: ReturnType<typeof evaluate>): string {
  const f1 = (p: number, rc: number) => (p + rc === 0 ? 0 : (2 * p * rc) / (p + rc));
  return `<!-- eval:dedupe -->
## De-duplication: organisation links (\`npm run eval:dedupe\`, ${new Date().toISOString().slice(0, 10)})

Scope so far: blocking and pairwise scoring of recipient mentions (issue 4's first slice). The labelled set is every
distinct recipient of the two real 360Giving files (${r.mentions} mentions in all) plus, for each, one generated report
of the same grantee by another funder (its own internal 360G- id; half keep the charity number), of one variant type
in turn. Pairs are compared only inside blocks: ${r.candidatePairs.toLocaleString('en-GB')} candidate pairs instead of ${r.allPairs.toLocaleString('en-GB')}.
Config ${r.config}; not yet estimated from data.

| measure | value | target |
|---|---|---|
| precision, automatic links | ${pct(r.precisionAuto)} | ≥ 98% |
| precision, identifier-based automatic links | ${pct(r.precisionIdentifier)} | ≥ 99.5% |
| recall, automatic links | ${pct(r.recallAuto)} | |
| recall, automatic + review band | ${pct(r.recallWithReview)} | ≥ 90% |
| F1 (automatic) | ${pct(f1(r.precisionAuto, r.recallAuto))} | |
| pairs in the review band (precision) | ${r.reviewQueue} (${pct(r.reviewPrecision)}) | |

| variant type | true pairs | recall, automatic | recall, with review |
|---|---|---|---|
${Object.entries(r.perType)
  .map(([t, e]) => `| ${t} | ${e.pairs} | ${pct(e.recallAuto)} | ${pct(e.recallWithReview)} |`)
  .join('\n')}
<!-- /eval:dedupe -->
`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const result = evaluate();
  console.log(JSON.stringify(result, null, 2));
  const path = resolve(ROOT, 'BENCHMARKS.md');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const section = render(result);
  const next = /<!-- eval:dedupe -->[\s\S]*<!-- \/eval:dedupe -->\n?/.test(current)
    ? current.replace(/<!-- eval:dedupe -->[\s\S]*<!-- \/eval:dedupe -->\n?/, section)
    : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(path, next);
  console.log('BENCHMARKS.md: eval:dedupe section written');
}
