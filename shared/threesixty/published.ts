// Maps between a published 360Giving grant and the hub's grant record: standard fields as they are,
// everything else kept in additionalData on the way in and put back on the way out, so nothing is lost.
import type { GrantInput, Visibility } from '../../schemas/grant.ts';
import type { Region, Theme } from '../../schemas/taxonomy.ts';
import { STANDARD_FIELDS } from './standard-schema.ts';

const THEME_WORDS: Array<[RegExp, Theme]> = [
  [/asylum|refugee/i, 'asylum-systems'],
  [/detention|detain/i, 'enforcement-detention'],
  [/destitut/i, 'destitution'],
  [/justice|legal|law\b/i, 'access-to-justice'],
  [/migra|integration/i, 'integration'],
  [/music|art|theatre|dance|heritage|cultur/i, 'arts-culture'],
  [/school|educat|bursar|scholar|college/i, 'education'],
];

/** The hub's themes for a published grant, from its programme, title and description. */
export function inferThemes(grant: Record<string, unknown>): Theme[] {
  const programmes = Array.isArray(grant.grantProgramme) ? grant.grantProgramme : [];
  const text = [
    grant.title,
    grant.description,
    ...programmes.map((p: unknown) =>
      typeof p === 'object' && p !== null && 'title' in p ? String(p.title) : '',
    ),
  ].join(' ');
  const themes = new Set<Theme>();
  for (const [pattern, theme] of THEME_WORDS) if (pattern.test(text)) themes.add(theme);
  return [...themes];
}

export interface HubFields {
  themes?: Theme[];
  regions?: Region[];
  visibility?: Visibility;
  /** Tag themes from the grant's programme, title and description when none are given. */
  inferThemes?: boolean;
}

/** A 360Giving grant as the hub's batch item (not yet validated: the API validates and names fields). */
export function fromPublishedGrant(grant: Record<string, unknown>, hub: HubFields): Record<string, unknown> {
  const standard: Record<string, unknown> = {};
  const additionalData: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(grant)) {
    if (STANDARD_FIELDS.has(field)) standard[field] = value;
    else additionalData[field] = value;
  }
  return {
    ...standard,
    ...(Object.keys(additionalData).length > 0 ? { additionalData } : {}),
    themes: hub.themes && hub.themes.length > 0 ? hub.themes : hub.inferThemes ? inferThemes(grant) : [],
    regions: hub.regions ?? [],
    visibility: hub.visibility ?? 'private',
  };
}

/** The hub's record as a 360Giving grant: extra data back at the top level, hub-only fields left out. */
export function toPublishedGrant(record: GrantInput): Record<string, unknown> {
  const { additionalData, themes: _t, regions: _r, visibility: _v, id, ...standard } = record;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(additionalData ?? {})) {
    if (!STANDARD_FIELDS.has(field)) out[field] = value;
  }
  // Key order of the standard first, as publishers write it.
  return { id, ...standard, ...out };
}
