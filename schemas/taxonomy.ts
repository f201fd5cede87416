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
