// Labels of the hub's taxonomy and number formats. The label tables are typed by the API's own enums, so a theme
// or region added to the hub fails the console's type check until it has a label here.
import type { Region, Theme } from '../../schemas/taxonomy.ts';

export const THEME_LABELS = {
  governance: 'Governance',
  'enforcement-detention': 'Enforcement & detention',
  'labour-migration': 'Labour migration',
  'asylum-systems': 'Asylum systems',
  integration: 'Integration',
  destitution: 'Destitution',
  'access-to-justice': 'Access to justice',
  'arts-culture': 'Arts & culture',
  education: 'Education',
  'human-rights-equality': 'Human rights & equality',
  'criminal-justice': 'Criminal justice',
  'health-disability': 'Health & disability',
  'poverty-housing': 'Poverty & housing',
  'community-development': 'Community development',
  environment: 'Environment',
} satisfies Record<Theme, string>;

export const REGION_LABELS = {
  global: 'Global',
  'asia-middle-east': 'Asia & Middle East',
  'central-america-mexico': 'Central America & Mexico',
  'russia-central-asia': 'Russia & Central Asia',
  europe: 'Europe',
  'united-kingdom': 'United Kingdom',
  'north-america': 'North America',
  africa: 'Africa',
} satisfies Record<Region, string>;

export const THEMES = Object.keys(THEME_LABELS) as Theme[];
export const REGIONS = Object.keys(REGION_LABELS) as Region[];

/** The rollups file grants without a theme or region under "-". */
export function themeLabel(value: string | null): string {
  if (value === null) return 'All themes';
  return (THEME_LABELS as Record<string, string>)[value] ?? (value === '-' ? 'Unclassified' : value);
}
export function regionLabel(value: string | null): string {
  if (value === null) return 'All regions';
  return (REGION_LABELS as Record<string, string>)[value] ?? (value === '-' ? 'Unclassified' : value);
}

/** A count that may hold shares of multi-theme grants (12.5). */
export function count(n: number): string {
  return n.toLocaleString('en-GB', { maximumFractionDigits: 2 });
}

export function money(amount: number, currency = 'USD'): string {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
      amount,
    );
  } catch {
    return `${currency} ${Math.round(amount).toLocaleString('en-GB')}`;
  }
}

/** Short form for heat-map cells: $4.4m, $120k. */
export function compactMoney(amount: number): string {
  return new Intl.NumberFormat('en-GB', {
    style: 'currency',
    currency: 'USD',
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(amount);
}

export function percent(share: number | null): string {
  return share === null ? '–' : `${Math.round(share * 100)}%`;
}

export function date(value: string): string {
  return value.slice(0, 10);
}
