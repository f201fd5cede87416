// The hub's own taxonomy: themes and regions every grant and gap cell is tagged with.
import { z } from 'zod';

export const THEMES = [
  'governance',
  'enforcement-detention',
  'labour-migration',
  'asylum-systems',
  'integration',
  'destitution',
  'access-to-justice',
  'arts-culture',
  'education',
  // Broader purposes that general funders' 360Giving files carry, so a UK funder's grants have a home too.
  'human-rights-equality',
  'criminal-justice',
  'health-disability',
  'poverty-housing',
  'community-development',
  'environment',
] as const;

export const REGIONS = [
  'global',
  'asia-middle-east',
  'central-america-mexico',
  'russia-central-asia',
  'europe',
  'united-kingdom',
  'north-america',
  'africa',
] as const;

export const ThemeSchema = z.enum(THEMES);
export const RegionSchema = z.enum(REGIONS);
export type Theme = z.infer<typeof ThemeSchema>;
export type Region = z.infer<typeof RegionSchema>;

/** GET /v1/taxonomy: the hub's themes and regions, and the rules --infer-themes tags grants by. */
export const TaxonomyViewSchema = z.object({
  themes: z.array(ThemeSchema),
  regions: z.array(RegionSchema),
  rules: z.object({ version: z.string() }).passthrough(),
});
