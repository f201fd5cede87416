// Tags a published 360Giving grant with the hub's themes and regions by the hub's own rules (data, not code:
// default-rules.json here, served by GET /v1/taxonomy so every importer uses the hub's rules). Themes come from
// the grant's classifications, programmes, title and description; regions from its beneficiary locations (or,
// without any, its recipients' countries).
import { z } from 'zod';
import { type Region, RegionSchema, type Theme, ThemeSchema } from '../../schemas/taxonomy.ts';
import defaults from './default-rules.json' with { type: 'json' };

export const TaxonomyRulesSchema = z.object({
  version: z.string(),
  about: z.string().optional(),
  themes: z.array(
    z.object({
      theme: ThemeSchema,
      /** Regular-expression fragments, matched case-insensitively at the start of a word. */
      patterns: z.array(z.string().min(1)).default([]),
      /** A classification's code, exactly (e.g. the Charity Commission's "109"), in any vocabulary. */
      classificationCodes: z.array(z.string()).default([]),
    }),
  ),
  regions: z.array(
    z.object({
      region: RegionSchema,
      /** ISO 3166-1 alpha-2 codes. */
      countries: z.array(z.string()).default([]),
      /** Location names, lower-case: a location named so, or starting so ("england - wide"), is in the region. */
      names: z.array(z.string()).default([]),
      geoCodePattern: z.string().optional(),
      /** A recipient's postcode in this form places a grant without beneficiary locations here. */
      postcodePattern: z.string().optional(),
    }),
  ),
});
export type TaxonomyRules = z.infer<typeof TaxonomyRulesSchema>;

export const DEFAULT_TAXONOMY_RULES: TaxonomyRules = TaxonomyRulesSchema.parse(defaults);

const records = (v: unknown): Array<Record<string, unknown>> =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object') : [];
const texts = (list: Array<Record<string, unknown>>, keys: string[]) =>
  list.flatMap((r) => keys.map((k) => r[k]).filter((v): v is string => typeof v === 'string'));

interface Compiled {
  themes: Array<{ theme: Theme; re: RegExp | null; codes: Set<string> }>;
  regions: Array<{
    region: Region;
    countries: Set<string>;
    names: string[];
    geo: RegExp | null;
    postcode: RegExp | null;
  }>;
}
const compiled = new WeakMap<TaxonomyRules, Compiled>();

function compile(rules: TaxonomyRules): Compiled {
  const hit = compiled.get(rules);
  if (hit) return hit;
  const out: Compiled = {
    themes: rules.themes.map((t) => ({
      theme: t.theme,
      re: t.patterns.length ? new RegExp(`(?:^|[^\\p{L}\\p{N}])(?:${t.patterns.join('|')})`, 'iu') : null,
      codes: new Set(t.classificationCodes),
    })),
    regions: rules.regions.map((r) => ({
      region: r.region,
      countries: new Set(r.countries.map((c) => c.toUpperCase())),
      names: r.names.map((n) => n.toLowerCase()),
      geo: r.geoCodePattern ? new RegExp(r.geoCodePattern) : null,
      postcode: r.postcodePattern ? new RegExp(r.postcodePattern, 'i') : null,
    })),
  };
  compiled.set(rules, out);
  return out;
}

/**
 * The hub themes of a grant, in the rules' order. What the publisher classified says most: the themes come from
 * its classifications if any match, else from its grant programmes, and only else from its title and description
 * (free text mentions far more than a grant is for: "community", "young people").
 */
export function inferThemes(
  grant: Record<string, unknown>,
  rules: TaxonomyRules = DEFAULT_TAXONOMY_RULES,
): Theme[] {
  const { themes } = compile(rules);
  const classifications = records(grant.classifications);
  const codes = new Set(texts(classifications, ['code']));
  const tiers = [
    { codes, text: texts(classifications, ['title', 'code', 'description']).join(' \n ') },
    { codes: new Set<string>(), text: texts(records(grant.grantProgramme), ['title', 'code']).join(' \n ') },
    {
      codes: new Set<string>(),
      text: [grant.title, grant.description].filter((v): v is string => typeof v === 'string').join(' \n '),
    },
  ];
  for (const tier of tiers) {
    const found = themes.filter(
      (t) =>
        [...t.codes].some((c) => tier.codes.has(c)) ||
        (t.re !== null && tier.text !== '' && t.re.test(tier.text)),
    );
    if (found.length > 0) return found.map((t) => t.theme);
  }
  return [];
}

const nameOf = (v: unknown) =>
  typeof v === 'string'
    ? v
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim()
    : '';

function regionsOfLocations(locations: Array<Record<string, unknown>>, c: Compiled): Set<Region> {
  const found = new Set<Region>();
  for (const l of locations) {
    const country = typeof l.countryCode === 'string' ? l.countryCode.toUpperCase() : null;
    const name = nameOf(l.name);
    const geo = typeof l.geoCode === 'string' ? l.geoCode : null;
    const postcode = typeof l.postalCode === 'string' ? l.postalCode.trim() : null;
    const region = c.regions.find(
      (r) =>
        (country !== null && r.countries.has(country)) ||
        (name !== '' && r.names.some((n) => name === n || name.startsWith(`${n} `))) ||
        (geo !== null && r.geo?.test(geo)) ||
        (postcode !== null && r.postcode?.test(postcode)),
    );
    if (region) found.add(region.region);
  }
  return found;
}

/** The hub regions of a grant: where it benefits, or where its recipients are when it does not say. */
export function inferRegions(
  grant: Record<string, unknown>,
  rules: TaxonomyRules = DEFAULT_TAXONOMY_RULES,
): Region[] {
  const c = compile(rules);
  let found = regionsOfLocations(records(grant.beneficiaryLocation), c);
  if (found.size === 0) {
    const recipients = records(grant.recipientOrganization);
    found = regionsOfLocations(
      [
        ...recipients.map((r) => ({ countryCode: r.addressCountry, postalCode: r.postalCode })),
        ...recipients.flatMap((r) => records(r.location)),
      ],
      c,
    );
  }
  return c.regions.filter((r) => found.has(r.region)).map((r) => r.region);
}
