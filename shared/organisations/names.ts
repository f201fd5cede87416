// Organisation names reduced to comparable forms: case, accents, punctuation, abbreviations, legal forms
// (from opensanctions' org_types) and stop words, plus the acronyms a name is known by.
import countryNames from './reference/country-names.json' with { type: 'json' };
import legalForms from './reference/legal-forms.json' with { type: 'json' };

const COUNTRY_NAMES: Readonly<Record<string, string>> = countryNames;

const STOP_WORDS = new Set([
  ...['the', 'of', 'for', 'and', 'in', 'on', 'a', 'an', 'to'],
  ...['de', 'la', 'las', 'los', 'el', 'en', 'del', 'para', 'por', 'con', 'y'],
  ...['des', 'du', 'le', 'les', 'et', 'der', 'die', 'das', 'und'],
]);

/** Words too common to say anything about which organisation a name is ("the", "of", "de"). */
export const isStopWord = (word: string) => STOP_WORDS.has(word);

/** Common abbreviations in funders' recipient names; expanded so "Intl." meets "International". */
const ABBREVIATIONS: Record<string, string> = {
  intl: 'international',
  int: 'international',
  assoc: 'association',
  assn: 'association',
  org: 'organisation',
  organization: 'organisation',
  ctr: 'centre',
  center: 'centre',
  cntr: 'centre',
  univ: 'university',
  inst: 'institute',
  natl: 'national',
  dept: 'department',
  fdn: 'foundation',
  fndn: 'foundation',
  st: 'saint',
  mt: 'mount',
};

/** Lower case, no accents, '&' as 'and', punctuation as spaces (dots dropped so "e.V." is "ev"). */
export function basicForm(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\./g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** Trailing legal forms, longest first, as word sequences in basic form. */
const LEGAL_SUFFIXES: Array<{ words: string; compare: string }> = legalForms
  .flatMap((form) => form.aliases.map((alias) => ({ words: basicForm(alias), compare: form.compare })))
  // One- and two-letter aliases ("in", "co") would eat ordinary words at the end of a name.
  .filter(
    (s) => s.words.replace(/ /g, '').length > 2 || ['co', 'sa', 'ag', 'ev', 'bv', 'nv'].includes(s.words),
  )
  .sort((a, b) => b.words.length - a.words.length);

export interface NormalizedName {
  /** Basic form with abbreviations expanded and trailing legal forms removed. */
  normalized: string;
  /** Legal forms that were removed, as `compare` forms ("Ltd", "Inc", "eV"). */
  legalForms: string[];
  /** Significant tokens (no stop words), in order. */
  tokens: string[];
  /** Sorted unique significant tokens: word order does not matter. */
  fingerprint: string;
  /** Initials of the significant tokens, when there are at least two ("idc"). */
  acronym: string | null;
}

function stripLegalForms(words: string[]): { words: string[]; forms: string[] } {
  const forms: string[] = [];
  let current = words;
  for (let changed = true; changed && current.length > 1; ) {
    changed = false;
    const text = current.join(' ');
    for (const suffix of LEGAL_SUFFIXES) {
      if (text.endsWith(` ${suffix.words}`)) {
        forms.push(suffix.compare);
        current = text.slice(0, -(suffix.words.length + 1)).split(' ');
        changed = true;
        break;
      }
    }
  }
  return { words: current, forms };
}

export function normalizeName(name: string): NormalizedName {
  const words = basicForm(name)
    .split(' ')
    .filter(Boolean)
    .map((w) => ABBREVIATIONS[w] ?? w);
  const { words: core, forms } = stripLegalForms(words);
  const tokens = core.filter((w) => !STOP_WORDS.has(w));
  return {
    normalized: core.join(' '),
    legalForms: forms,
    tokens,
    fingerprint: [...new Set(tokens)].sort().join(' '),
    acronym: tokens.length >= 2 ? tokens.map((t) => t[0]).join('') : null,
  };
}

export interface NameParts {
  /** The names the organisation is written as: the whole name, or each half when one half is an acronym. */
  variants: string[];
  /** A branch, site or place written beside the name ("Citizens Advice - Camden", "Friends of X (Bridlington)"). */
  qualifiers: string[];
}

/** Whether a bracketed or dashed part names a country ("United States", "UK", "GB" in capitals). */
function isCountry(part: string): boolean {
  const basic = basicForm(part);
  if (!(basic in COUNTRY_NAMES)) return false;
  // Two-letter codes are ordinary words too ("in", "it"): a code counts only when written in capitals.
  return basic.length > 2 || /^[A-Z]{2}$/.test(part.trim());
}

/** Whether the part is only legal forms ("(Pty)", "(CIO)", "(UK) Ltd" is not). */
function isLegalForm(part: string): boolean {
  const words = basicForm(part).split(' ').filter(Boolean);
  return words.length > 0 && stripLegalForms(['x', ...words]).words.join(' ') === 'x';
}

/**
 * How an organisation is written: "IDC (International Detention Coalition)" is both "IDC" and "International
 * Detention Coalition", as is "PICUM - Platform for ..."; but a bracketed or dashed part that is not an acronym of
 * the rest is a branch, site or place of it ("Henry Booth House - Humpty Dumpty"), kept apart as a qualifier so
 * that two branches never agree as a full name. A bracketed or dashed country says where, not which: it is dropped.
 */
export function nameParts(name: string): NameParts {
  const whole = name.trim();
  const paren = /^(.*?)\s*\(([^)]+)\)\s*(.*)$/.exec(whole);
  const dash = /^(\S.*?)\s+[-–—]\s+(\S.*)$/.exec(whole);
  const split = paren
    ? { main: `${paren[1] ?? ''} ${paren[3] ?? ''}`.trim(), part: (paren[2] ?? '').trim() }
    : dash
      ? { main: (dash[1] ?? '').trim(), part: (dash[2] ?? '').trim() }
      : null;
  if (!split?.main || !split.part) return { variants: whole ? [whole] : [], qualifiers: [] };
  if (asAcronym(split.main) || asAcronym(split.part)) {
    return { variants: [...new Set([whole, split.main, split.part])], qualifiers: [] };
  }
  if (isCountry(split.part)) return { variants: [split.main], qualifiers: [] };
  if (isLegalForm(split.part)) return { variants: [whole.replace(/[()]/g, ' ')], qualifiers: [] };
  const qualifier = normalizeName(split.part).normalized;
  return { variants: [split.main], qualifiers: qualifier ? [qualifier] : [] };
}

/** The names an organisation is written as (see nameParts). */
export function nameVariants(name: string): string[] {
  return nameParts(name).variants;
}

/** A name written as an acronym ("IDC", "P.I.C.U.M.", "BSH&I"): its letters in lower case, else null. */
export function asAcronym(name: string): string | null {
  const letters = name.replace(/[.\s&]/g, '');
  return /^[A-Z]{2,8}$/.test(letters) ? letters.toLowerCase() : null;
}
