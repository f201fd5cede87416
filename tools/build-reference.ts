// Regenerates shared/organisations/reference/*.json from ../shared/data/reference (run when the sources change):
//   npx tsx tools/build-reference.ts
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
