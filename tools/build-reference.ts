// Regenerates shared/organisations/reference/*.json from ../shared/data/reference (run when the sources change):
//   npx tsx tools/build-reference.ts && npx biome format --write shared/organisations/reference
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const SOURCE = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'reference');
const TARGET = resolve(import.meta.dirname, '..', 'shared', 'organisations', 'reference');

const ListSchema = z.object({
  code: z.string(),
  name: z.object({ en: z.string() }),
  deprecated: z.boolean().nullish(),
  confirmed: z.boolean().nullish(),
});

const schemes = [];
const listsDir = join(SOURCE, 'org-id-lists');
for (const country of readdirSync(listsDir).sort()) {
  for (const file of readdirSync(join(listsDir, country)).sort()) {
    if (!file.endsWith('.json')) continue;
    const list = ListSchema.parse(JSON.parse(readFileSync(join(listsDir, country, file), 'utf8')));
    schemes.push({ code: list.code.toUpperCase(), name: list.name.en, deprecated: list.deprecated ?? false });
  }
}
writeFileSync(join(TARGET, 'org-id-schemes.json'), `${JSON.stringify(schemes, null, 1)}\n`);

const TypesSchema = z.object({
  types: z.array(
    z.object({
      display: z.string().nullish(),
      compare: z.string().nullish(),
      generic: z.string().nullish(),
      aliases: z.array(z.string()).default([]),
    }),
  ),
});
const types = TypesSchema.parse(parse(readFileSync(join(SOURCE, 'org_types.yml'), 'utf8')));
const forms = types.types.map((t) => ({
  compare: t.compare ?? t.display ?? t.generic ?? '',
  aliases: [...new Set([t.display, ...t.aliases].filter((a): a is string => Boolean(a)))],
}));
writeFileSync(join(TARGET, 'legal-forms.json'), `${JSON.stringify(forms)}\n`);
console.log(`${schemes.length} identifier schemes, ${forms.length} legal forms`);

// Tokens so common in recipient names that a block on them says nothing ("community", "trust", ...): every
// token in at least 1% of the real 360Giving files' distinct recipient names. Blocking skips them.
const { normalizeName } = await import('../shared/organisations/names.ts');
const GRANTS = resolve(import.meta.dirname, '..', '..', 'shared', 'data', '360giving', 'grants');
const GrantFileSchema = z.object({
  grants: z.array(z.object({ recipientOrganization: z.array(z.object({ name: z.string() })).optional() })),
});
const names = new Set<string>();
for (const file of ['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json']) {
  const data = GrantFileSchema.parse(JSON.parse(readFileSync(join(GRANTS, file), 'utf8')));
  for (const grant of data.grants) for (const org of grant.recipientOrganization ?? []) names.add(org.name);
}
const frequency = new Map<string, number>();
for (const name of names) {
  for (const token of new Set(normalizeName(name).tokens))
    frequency.set(token, (frequency.get(token) ?? 0) + 1);
}
const common = [...frequency]
  .filter(([token, n]) => token.length >= 4 && n >= names.size * 0.01)
  .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  .map(([token]) => token);
writeFileSync(join(TARGET, 'common-name-tokens.json'), `${JSON.stringify(common)}\n`);
console.log(`${common.length} common name tokens from ${names.size} recipient names`);

// Country names and codes in basic form ("united kingdom", "gb", "korea"), so that a bracketed or dashed country
// ("Pfizer (United States)", "Oxfam - GB") is read as the country it is, not as a branch or site of the name.
// From the 360Giving countryCode codelist: each title, its part before a comma ("Korea, Republic of" is "Korea"),
// and the code; plus the short forms publishers write that the codelist does not.
const { basicForm } = await import('../shared/organisations/names.ts');
const CODELIST = resolve(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  '360giving',
  'schema',
  'codelists',
);
const { parse: parseCsv } = await import('csv-parse/sync');
const countries = parseCsv(readFileSync(join(CODELIST, 'countryCode.csv')), { columns: true }) as Array<{
  Code: string;
  Title: string;
}>;
const countryNames = new Map<string, string>();
for (const { Code, Title } of countries) {
  for (const form of [
    Title,
    Title.split(',')[0] ?? '',
    Title.replace(/ of (America|Great Britain.*)$/, ''),
    Code,
  ]) {
    const basic = basicForm(form);
    if (basic && !countryNames.has(basic)) countryNames.set(basic, Code);
  }
}
const SHORT_FORMS: Record<string, string> = {
  uk: 'GB',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  usa: 'US',
  'u s a': 'US',
  america: 'US',
  'south korea': 'KR',
  'north korea': 'KP',
  russia: 'RU',
  taiwan: 'TW',
  vietnam: 'VN',
  iran: 'IR',
  syria: 'SY',
  laos: 'LA',
  palestine: 'PS',
  'czech republic': 'CZ',
  turkey: 'TR',
};
for (const [form, code] of Object.entries(SHORT_FORMS)) countryNames.set(form, code);
writeFileSync(
  join(TARGET, 'country-names.json'),
  `${JSON.stringify(Object.fromEntries([...countryNames].sort((a, b) => a[0].localeCompare(b[0]))))}\n`,
);
console.log(`${countryNames.size} country names and codes`);

// Token frequencies the resolver weighs name words by until a hub holds its own: how many of the real names use
// each word, per 10,000 names, from the 360Giving recipients and the TUNING half of the ROR names only (the
// held-out half is what eval:dedupe reports). Words in fewer than 3 names are left out (they count as rare).
const { toMention } = await import('../shared/organisations/mention.ts');
const { loadRor, splitOf } = await import('../eval/ror-names.ts');
const tokenNames = [
  ...names,
  ...(loadRor() ?? []).filter((row) => splitOf(row.ror_id) === 'tuning').map((row) => row.name),
];
const documentFrequency = new Map<string, number>();
for (const name of tokenNames) {
  for (const token of toMention({ name }).tokens)
    documentFrequency.set(token, (documentFrequency.get(token) ?? 0) + 1);
}
const perTenThousand = Object.fromEntries(
  [...documentFrequency]
    .filter(([, n]) => n >= 3)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([token, n]) => [token, Math.round((n * 10_000 * 100) / tokenNames.length) / 100]),
);
writeFileSync(
  join(TARGET, 'token-frequencies.json'),
  `${JSON.stringify({ names: tokenNames.length, perTenThousand })}\n`,
);
console.log(`${Object.keys(perTenThousand).length} token frequencies from ${tokenNames.length} names`);
