// A recipient mention (how one funder wrote one organisation) and the blocking keys that find its candidates
// without comparing it to every organisation in the hub.
import { identifiersOf, type OrgIdentifier } from './identifiers.ts';
import { asAcronym, nameParts, normalizeName } from './names.ts';

export interface Mention {
  name: string;
  identifiers: OrgIdentifier[];
  /** Normalised forms of every variant of the name ("IDC (International ...)" gives two). */
  names: string[];
  fingerprints: string[];
  tokens: string[];
  acronyms: string[];
  /** Acronyms the funder actually wrote ("IDC", "IDC (...)"), as opposed to initials computed from a name. */
  writtenAcronyms: string[];
  /** Legal forms written at the end of a name, as compared ("Ltd", "GmbH", "AG"): Deutsche Bank AG is not its GmbH. */
  legalForms: string[];
  /** Branches, sites or places written beside the name (see nameParts): two branches are two organisations. */
  qualifiers: string[];
  country: string | null;
  postcode: string | null;
  domain: string | null;
}

export interface OrganisationInput {
  id?: string;
  name: string;
  charityNumber?: string;
  companyNumber?: string;
  addressCountry?: string;
  postalCode?: string;
  url?: string;
}

function domainOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const host = new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`).hostname.toLowerCase();
    return host.replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

export function toMention(org: OrganisationInput): Mention {
  const parts = nameParts(org.name);
  const acronyms = new Set<string>();
  const writtenAcronyms = new Set<string>();
  // A variant written as an acronym is its letters ("BSH&I" is "bshi", not "bsh and i").
  const variants = parts.variants.map((v) => {
    const normalized = normalizeName(v);
    const written = asAcronym(v);
    if (!written) return normalized;
    acronyms.add(written);
    writtenAcronyms.add(written);
    return { ...normalized, normalized: written, tokens: [written], fingerprint: written };
  });
  for (const v of variants) if (v.acronym && v.acronym.length >= 3) acronyms.add(v.acronym);
  return {
    name: org.name,
    identifiers: identifiersOf(org),
    names: [...new Set(variants.map((v) => v.normalized))],
    fingerprints: [...new Set(variants.map((v) => v.fingerprint))],
    tokens: [...new Set(variants.flatMap((v) => v.tokens))],
    acronyms: [...acronyms],
    writtenAcronyms: [...writtenAcronyms],
    legalForms: [...new Set(variants.flatMap((v) => v.legalForms))].sort(),
    qualifiers: [...new Set(parts.qualifiers)].sort(),
    country: org.addressCountry ? org.addressCountry.trim().toUpperCase().slice(0, 2) : null,
    postcode: org.postalCode ? org.postalCode.replace(/\s+/g, '').toUpperCase() : null,
    domain: domainOf(org.url),
  };
}

/**
 * Blocking keys a mention is filed under: a union, so a mention meets candidates that share any one of them.
 * `rarity` gives how many organisations use a token (lower is rarer); the two rarest long tokens become keys.
 * Initials computed from a full name are filed apart (`lacr:`) from acronyms a funder wrote (`acr:`): many
 * different names share three initials, so full names never search each other by initials (see queryKeys).
 */
export function blockingKeys(mention: Mention, rarity: (token: string) => number = () => 0): string[] {
  const keys = new Set<string>();
  for (const id of mention.identifiers) if (id.registered) keys.add(`id:${id.canonical}`);
  for (const fp of mention.fingerprints) if (fp) keys.add(`fp:${fp}`);
  for (const acronym of mention.acronyms) {
    keys.add(mention.writtenAcronyms.includes(acronym) ? `acr:${acronym}` : `lacr:${acronym}`);
  }
  const rare = mention.tokens
    .filter((t) => t.length >= 4)
    .sort((a, b) => rarity(a) - rarity(b) || a.localeCompare(b))
    .slice(0, 2);
  for (const token of rare) keys.add(`tok:${token}`);
  // Country with the start of the rarest word: the same organisation written with a slip further on, in one country.
  if (mention.country && rare[0]) keys.add(`cty:${mention.country}:${rare[0].slice(0, 4)}`);
  // The rarest long word's letters in order: two neighbours swapped by a typo still meet here.
  const long = rare.find((t) => t.length >= 6);
  if (long) keys.add(`sig:${[...long].sort().join('')}`);
  if (mention.domain) keys.add(`dom:${mention.domain}`);
  return [...keys];
}

/**
 * The blocks a mention searches: its own, except that a full name looks up written acronyms of its initials
 * (`acr:`) rather than every other name with those initials, and a written acronym looks up both.
 */
export function queryKeys(memberKeys: string[]): string[] {
  const keys = new Set<string>();
  for (const key of memberKeys) {
    if (key.startsWith('lacr:')) keys.add(`acr:${key.slice(5)}`);
    else {
      keys.add(key);
      if (key.startsWith('acr:')) keys.add(`lacr:${key.slice(4)}`);
    }
  }
  return [...keys];
}
