// Identifier and name normalisation: the building blocks of organisation matching (issue 4, first slice).
import { describe, expect, it } from 'vitest';
import {
  identifiersConflict,
  identifiersOf,
  normalizeIdentifier,
  schemeName,
  sharedRegisteredIdentifiers,
} from '../../shared/organisations/identifiers.ts';
import { asAcronym, nameVariants, normalizeName } from '../../shared/organisations/names.ts';

describe('normalizeIdentifier', () => {
  it.each([
    ['gb-chc-1126147', 'GB-CHC-1126147'],
    [' GB-CHC-1126147 ', 'GB-CHC-1126147'],
    ['US-EIN-13-7029285', 'US-EIN-137029285'],
    ['US-EIN-137029285', 'US-EIN-137029285'],
    ['GB-COH-6563291', 'GB-COH-06563291'],
    ['GB-COH-sc123456', 'GB-COH-SC123456'],
    ['GB-SC-sc012345', 'GB-SC-SC012345'],
  ])('writes %s as %s, a registered identifier', (raw, canonical) => {
    expect(normalizeIdentifier(raw)).toMatchObject({ canonical, registered: true });
  });

  it('keeps a funder’s internal 360G- id, but never as a registration', () => {
    expect(normalizeIdentifier('360G-ABCT-0065I000005BoDGQA044222')).toMatchObject({
      scheme: '360G',
      registered: false,
    });
  });

  it('keeps an org-id from a scheme the register does not know, unregistered', () => {
    expect(normalizeIdentifier('XI-NOTASCHEME-12')).toMatchObject({ registered: false });
  });

  it.each(['GB-CHC-abc', 'US-EIN-12', 'GB-COH-123456789', 'not an id', ''])('refuses %j', (raw) => {
    expect(normalizeIdentifier(raw)).toBeNull();
  });

  it('knows the schemes of the org-id register', () => {
    expect(schemeName('gb-chc')).toMatch(/Charity Commission/i);
    expect(schemeName('US-EIN')).toBeDefined();
  });
});

describe('identifiersOf and conflicts', () => {
  it('adds charity and company numbers of UK organisations as registered identifiers', () => {
    const ids = identifiersOf({ id: '360G-ABCT-1', charityNumber: '1126147', companyNumber: '6563 291' }).map(
      (i) => i.canonical,
    );
    expect(ids).toEqual(['360G-ABCT-1', 'GB-CHC-1126147', 'GB-COH-06563291']);
  });

  it('reads a Scottish charity number as GB-SC', () => {
    expect(identifiersOf({ charityNumber: 'SC012345' }).map((i) => i.canonical)).toEqual(['GB-SC-SC012345']);
  });

  it('never treats a charity number of a non-UK organisation as a UK registration', () => {
    expect(identifiersOf({ charityNumber: '1126147', addressCountry: 'AU' })).toEqual([]);
  });

  it('says two different numbers in the same scheme conflict, and the same number is shared', () => {
    const a = identifiersOf({ id: 'GB-CHC-1126147' });
    const b = identifiersOf({ id: 'gb-chc-1126148' });
    const c = identifiersOf({ id: '360G-X-1', charityNumber: '1126147' });
    expect(identifiersConflict(a, b)).toBe(true);
    expect(identifiersConflict(a, c)).toBe(false);
    expect(sharedRegisteredIdentifiers(a, c)).toEqual(['GB-CHC-1126147']);
  });

  it('does not let internal ids conflict: two funders’ 360G- ids for one grantee differ by design', () => {
    expect(
      identifiersConflict(
        identifiersOf({ id: '360G-OSF-ORG-IDC' }),
        identifiersOf({ id: '360G-MACF-ORG-00512' }),
      ),
    ).toBe(false);
  });
});

describe('normalizeName', () => {
  it.each([
    ['International Detention Coalition', 'Intl. Detention Coalition Inc'],
    ['International Detention Coalition', 'INTERNATIONAL DETENTION COALITION INC.'],
    ['Migration Policy Institute', 'Migration Policy Institute, Inc.'],
    ['Institute for Human Rights and Business', 'Institute for Human Rights & Business Ltd'],
    ['Global Coalition on Migration', 'Global Coalition On Migration'],
    ['Instituto para las Mujeres en la Migración', 'Instituto para las Mujeres en la Migracion'],
  ])('gives %j and %j the same normalised form', (a, b) => {
    expect(normalizeName(a).normalized).toBe(normalizeName(b).normalized);
  });

  it('records the legal form it removed', () => {
    expect(normalizeName('Abigail Housing Limited')).toMatchObject({
      normalized: 'abigail housing',
      legalForms: ['Ltd'],
    });
    expect(normalizeName('Deutscher Caritasverband e.V.').legalForms).toEqual(['eV']);
  });

  it('keeps short words at the end of a name that only look like legal forms', () => {
    expect(normalizeName('Migrant Forum in Asia').normalized).toBe('migrant forum in asia');
    expect(normalizeName('Refugee Council Inc').normalized).toBe('refugee council');
    expect(normalizeName('Refugee Council Inc').tokens).toEqual(['refugee', 'council']);
  });

  it('ignores word order in the fingerprint and stop words in the acronym', () => {
    expect(normalizeName('Coalition on Migration, Global').fingerprint).toBe(
      normalizeName('Global Coalition on Migration').fingerprint,
    );
    expect(normalizeName('International Detention Coalition').acronym).toBe('idc');
    expect(normalizeName('Platform for International Cooperation on Undocumented Migrants').acronym).toBe(
      'picum',
    );
  });
});

describe('name variants and acronyms', () => {
  it('splits "IDC (International Detention Coalition)" and "PICUM - Platform ..." into both names', () => {
    expect(nameVariants('IDC (International Detention Coalition)')).toEqual(
      expect.arrayContaining(['IDC', 'International Detention Coalition']),
    );
    expect(nameVariants('PICUM - Platform for International Cooperation on Undocumented Migrants')).toEqual(
      expect.arrayContaining(['PICUM', 'Platform for International Cooperation on Undocumented Migrants']),
    );
  });

  it('recognises names written as acronyms', () => {
    expect(asAcronym('IDC')).toBe('idc');
    expect(asAcronym('P.I.C.U.M.')).toBe('picum');
    expect(asAcronym('Oxfam')).toBeNull();
  });
});
