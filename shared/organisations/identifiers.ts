// Organisation identifiers normalised against the org-id.guide register, so that the same registration written
// different ways compares equal, and two different registrations in one scheme can never be linked.
import schemes from './reference/org-id-schemes.json' with { type: 'json' };

export interface OrgIdentifier {
  /** Scheme code as the register writes it (GB-CHC, US-EIN, ...) or '360G' for a funder's internal id. */
  scheme: string;
  id: string;
  /** `${scheme}-${id}`: the form compared and stored. */
  canonical: string;
  /** Whether the scheme is a registration in the org-id register (internal 360G- ids are not). */
  registered: boolean;
}

const SCHEMES: ReadonlyMap<string, { name: string; deprecated: boolean }> = new Map(
  schemes.map((s) => [s.code, { name: s.name, deprecated: s.deprecated }]),
);
/** Longest codes first, so GB-COH wins over a hypothetical GB-CO. */
const CODES = [...SCHEMES.keys()].sort((a, b) => b.length - a.length);

export function schemeName(code: string): string | undefined {
  return SCHEMES.get(code.toUpperCase())?.name;
}

/** Scheme-specific clean-up of the local part; null when it cannot be a valid id of that scheme. */
function cleanLocalId(scheme: string, raw: string): string | null {
  const compact = raw.replace(/\s+/g, '');
  switch (scheme) {
    case 'US-EIN': {
      const digits = compact.replace(/-/g, '');
      return /^\d{9}$/.test(digits) ? digits : null;
    }
    case 'GB-COH': {
      const upper = compact.toUpperCase();
      if (/^\d{1,8}$/.test(upper)) return upper.padStart(8, '0');
      return /^[A-Z]{2}\d{6}$/.test(upper) ? upper : null;
    }
    case 'GB-CHC':
      return /^\d{5,8}(-\d+)?$/.test(compact) ? compact : null;
    case 'GB-SC': {
      const upper = compact.toUpperCase();
      return /^SC\d{6}$/.test(upper) ? upper : null;
    }
    default:
      return compact.length > 0 ? compact : null;
  }
}

function make(scheme: string, id: string, registered: boolean): OrgIdentifier {
  return { scheme, id, canonical: `${scheme}-${id}`, registered };
}

/** Parses an identifier as publishers write it ("gb-chc-1126147", "US-EIN-13-7029285", "360G-ABCT-xyz"). */
/** An identifier as the hub compares identifiers: its org-id canonical form, else trimmed and upper-cased. */
export const canonicalIdentifier = (raw: string) =>
  normalizeIdentifier(raw)?.canonical ?? raw.trim().toUpperCase();

export function normalizeIdentifier(raw: string): OrgIdentifier | null {
  const value = raw.trim();
  if (!value) return null;
  if (/^360G-/i.test(value)) return make('360G', value.slice(5), false);
  const upper = value.toUpperCase();
  for (const code of CODES) {
    if (upper.startsWith(`${code}-`)) {
      const id = cleanLocalId(code, value.slice(code.length + 1));
      return id === null ? null : make(code, id, true);
    }
  }
  // Looks like an org-id but the scheme is not in the register: keep it, never trust it to link.
  const match = /^([A-Za-z]{2}-[A-Za-z0-9_]{2,})-(.+)$/.exec(value);
  return match?.[1] && match[2] ? make(match[1].toUpperCase(), match[2].replace(/\s+/g, ''), false) : null;
}

export interface OrganisationFields {
  id?: string;
  charityNumber?: string;
  companyNumber?: string;
  addressCountry?: string;
}

/** Every identifier a 360Giving organisation carries: its id plus charity and company numbers (UK schemes). */
export function identifiersOf(org: OrganisationFields): OrgIdentifier[] {
  const found = new Map<string, OrgIdentifier>();
  const add = (identifier: OrgIdentifier | null) => {
    if (identifier) found.set(identifier.canonical, identifier);
  };
  if (org.id) add(normalizeIdentifier(org.id));
  const country = (org.addressCountry ?? 'GB').trim().toUpperCase();
  const uk = ['GB', 'UK', 'UNITED KINGDOM', 'ENGLAND', 'SCOTLAND', 'WALES', 'NORTHERN IRELAND'].includes(
    country,
  );
  if (uk && org.charityNumber) {
    const number = org.charityNumber.replace(/\s+/g, '').toUpperCase();
    add(
      normalizeIdentifier(
        number.startsWith('SC')
          ? `GB-SC-${number}`
          : number.startsWith('NIC')
            ? `GB-NIC-${number.slice(3)}`
            : `GB-CHC-${number}`,
      ),
    );
  }
  if (uk && org.companyNumber) add(normalizeIdentifier(`GB-COH-${org.companyNumber}`));
  return [...found.values()];
}

/** A pair of registrations as a crosswalk key ("a|b", sorted). */
export const crosswalkKey = (a: string, b: string) => [a, b].sort().join('|');

/** Registered numbers of one scheme that differ between the two, as crosswalk keys. */
export function conflictingRegistrations(a: OrgIdentifier[], b: OrgIdentifier[]): string[] {
  const keys = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      if (x.registered && y.registered && x.scheme === y.scheme && x.id !== y.id) {
        keys.add(crosswalkKey(x.canonical, y.canonical));
      }
    }
  }
  return [...keys];
}

/** Two organisations hold different registrations in the same scheme: they must never be linked. */
export function identifiersConflict(a: OrgIdentifier[], b: OrgIdentifier[]): boolean {
  return conflictingRegistrations(a, b).length > 0;
}

/** The registered identifiers both organisations hold. */
export function sharedRegisteredIdentifiers(a: OrgIdentifier[], b: OrgIdentifier[]): string[] {
  const theirs = new Set(b.filter((y) => y.registered).map((y) => y.canonical));
  return a.filter((x) => x.registered && theirs.has(x.canonical)).map((x) => x.canonical);
}
