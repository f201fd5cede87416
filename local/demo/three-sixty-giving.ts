// Maps a published 360Giving grant to the hub's grant input: standard fields as they are, the rest
// kept in additionalData so nothing the publisher wrote is lost.
import type { Region, Theme } from '../../schemas/taxonomy.ts';

const STANDARD_FIELDS = new Set([
  'id',
  'title',
  'description',
  'currency',
  'amountAppliedFor',
  'amountAwarded',
  'amountDisbursed',
  'awardDate',
  'url',
  'plannedDates',
  'actualDates',
  'recipientIndividual',
  'toIndividualsDetails',
  'recipientOrganization',
  'beneficiaryLocation',
  'fundingOrganization',
  'grantProgramme',
  'fromOpenCall',
  'fundingType',
  'classifications',
  'relatedDocument',
  'applicationTransaction',
  'commitmentTransaction',
  'disbursementTransaction',
  'relatedActivity',
  'dateModified',
  'dataSource',
  'regrantType',
  'locationScope',
]);

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

export function fromPublishedGrant(
  grant: Record<string, unknown>,
  hub: { regions: Region[]; visibility: 'public' },
): Record<string, unknown> {
  const standard: Record<string, unknown> = {};
  const additionalData: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(grant)) {
    if (STANDARD_FIELDS.has(field)) standard[field] = value;
    else additionalData[field] = value;
  }
  return {
    ...standard,
    ...(Object.keys(additionalData).length > 0 ? { additionalData } : {}),
    themes: inferThemes(grant),
    regions: hub.regions,
    visibility: hub.visibility,
  };
}
