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
