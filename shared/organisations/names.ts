// Organisation names reduced to comparable forms: case, accents, punctuation, abbreviations, legal forms
// (from opensanctions' org_types) and stop words, plus the acronyms a name is known by.
import legalForms from './reference/legal-forms.json' with { type: 'json' };

const STOP_WORDS = new Set([
  ...['the', 'of', 'for', 'and', 'in', 'on', 'a', 'an', 'to'],
  ...['de', 'la', 'las', 'los', 'el', 'en', 'del', 'para', 'por', 'con', 'y'],
  ...['des', 'du', 'le', 'les', 'et', 'der', 'die', 'das', 'und'],
]);

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

/**
 * The names an organisation is written as: "IDC (International Detention Coalition)" is both "IDC" and
 * "International Detention Coalition"; "PICUM - Platform for ..." is both halves.
 */
export function nameVariants(name: string): string[] {
  const variants = new Set<string>([name.trim()]);
  const paren = /^(.*?)\s*\(([^)]+)\)\s*(.*)$/.exec(name);
  if (paren) {
    variants.add(`${paren[1] ?? ''} ${paren[3] ?? ''}`.trim());
    variants.add((paren[2] ?? '').trim());
  }
  const dash = /^(\S.*?)\s+[-–—]\s+(\S.*)$/.exec(name);
  if (dash) {
    variants.add((dash[1] ?? '').trim());
    variants.add((dash[2] ?? '').trim());
  }
  return [...variants].filter((v) => v.length > 0);
}

/** A name written as an acronym ("IDC", "P.I.C.U.M."): its letters in lower case, else null. */
export function asAcronym(name: string): string | null {
  const letters = name.replace(/[.\s]/g, '');
  return /^[A-Z]{2,8}$/.test(letters) ? letters.toLowerCase() : null;
}
