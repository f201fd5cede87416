// Blocking keys and explainable scoring of recipient mentions (issue 4, first slice).
import { describe, expect, it } from 'vitest';
import { blockingKeys, queryKeys, toMention } from '../../shared/organisations/mention.ts';
import { DEFAULT_MATCHING_CONFIG, estimateConfig, scorePair } from '../../shared/organisations/scoring.ts';

const idcOsf = toMention({
  id: '360G-OSF-ORG-IDC',
  name: 'International Detention Coalition',
  addressCountry: 'AU',
});
const idcMac = toMention({
  id: '360G-MACF-ORG-00512',
  name: 'Intl. Detention Coalition',
  addressCountry: 'AU',
});
const idcEpim = toMention({
  id: '360G-EPIM-ORG-IDC',
  name: 'IDC (International Detention Coalition)',
  addressCountry: 'AU',
});

describe('blocking keys', () => {
  it('puts the name variants of one grantee in a shared block', () => {
    const shared = (a: string[], b: string[]) => a.filter((k) => b.includes(k));
    expect(shared(blockingKeys(idcOsf), blockingKeys(idcMac))).toContain(
      'fp:coalition detention international',
    );
    // The full name searches for written acronyms of its initials; the written "IDC" is filed under them.
    expect(shared(queryKeys(blockingKeys(idcOsf)), blockingKeys(idcEpim))).toEqual(
      expect.arrayContaining(['acr:idc']),
    );
  });

  it('never makes full names with the same initials search each other by initials', () => {
    const other = toMention({ id: '360G-X', name: 'Irish Dance Company' });
    expect(blockingKeys(other)).toContain('lacr:idc');
    expect(queryKeys(blockingKeys(idcOsf))).not.toContain('lacr:idc');
    expect(queryKeys(blockingKeys(idcEpim))).toContain('lacr:idc');
  });

  it('blocks on country with the start of the rarest word, so a later slip still meets', () => {
    const slipped = toMention({
      id: '360G-X',
      name: 'International Detention Coalitoin',
      addressCountry: 'AU',
    });
    const country = (keys: string[]) => keys.filter((k) => k.startsWith('cty:'));
    expect(country(blockingKeys(idcOsf))).toEqual(['cty:AU:coal']);
    expect(country(blockingKeys(slipped))).toEqual(country(blockingKeys(idcOsf)));
    expect(
      country(blockingKeys(toMention({ id: '360G-Y', name: 'International Detention Coalition' }))),
    ).toEqual([]);
  });

  it('blocks on registered identifiers and web domains, not on internal ids', () => {
    const keys = blockingKeys(
      toMention({
        id: '360G-ABCT-1',
        name: 'Access to Justice Foundation',
        charityNumber: '1126147',
        url: 'http://www.atjf.org.uk',
      }),
    );
    expect(keys).toEqual(expect.arrayContaining(['id:GB-CHC-1126147', 'dom:atjf.org.uk']));
    expect(keys.some((k) => k.includes('360G'))).toBe(false);
  });

  it('uses the rarest long tokens', () => {
    const rarity = (t: string) => ({ international: 900, coalition: 40, detention: 12 })[t] ?? 0;
    const tokens = blockingKeys(idcOsf, rarity).filter((k) => k.startsWith('tok:'));
    expect(tokens).toEqual(['tok:detention', 'tok:coalition']);
  });
});

describe('scorePair', () => {
  it('scores name variants of one grantee at least for review, and explains each feature', () => {
    const pair = scorePair(idcOsf, idcMac);
    expect(['link', 'review']).toContain(pair.band);
    // "Intl." is "International": the names agree exactly once abbreviations are expanded; one feature, one level.
    expect(pair.evidence.find((e) => e.feature === 'name')).toMatchObject({ outcome: 'exact' });
    expect(pair.evidence.filter((e) => e.feature === 'name')).toHaveLength(1);
    expect(pair.evidence.find((e) => e.feature === 'registeredId')).toMatchObject({
      outcome: 'missing',
      weight: 0,
    });
    expect(pair.configVersion).toBe(DEFAULT_MATCHING_CONFIG.version);
    expect(scorePair(idcOsf, idcEpim).band).not.toBe('no-link');
  });

  it('links automatically when a registered identifier and the name agree', () => {
    const a = toMention({ id: 'GB-CHC-1126147', name: 'Access to Justice Foundation', addressCountry: 'GB' });
    const b = toMention({
      id: '360G-X-9',
      name: 'The Access to Justice Foundation',
      charityNumber: '1126147',
      addressCountry: 'GB',
    });
    expect(scorePair(a, b).band).toBe('link');
  });

  it('never links two different registrations in one scheme, however alike the names', () => {
    const a = toMention({ id: 'GB-CHC-1000001', name: 'Refugee Action', addressCountry: 'GB' });
    const b = toMention({ id: 'GB-CHC-1000002', name: 'Refugee Action', addressCountry: 'GB' });
    expect(scorePair(a, b)).toMatchObject({ band: 'no-link', rule: 'conflicting-registration' });
  });

  it('does not link organisations that only share common words', () => {
    const a = toMention({ name: 'Refugee Council', addressCountry: 'GB' });
    const b = toMention({ name: 'Scottish Refugee Council', addressCountry: 'GB' });
    expect(scorePair(a, b).band).not.toBe('link');
  });
});

describe('estimateConfig', () => {
  it('learns m and u per level from labelled and random pairs, keeping the registration weight', () => {
    const same: Array<[ReturnType<typeof toMention>, ReturnType<typeof toMention>]> = [
      [
        toMention({ id: 'GB-CHC-1120729', name: 'Abigail Housing' }),
        toMention({ charityNumber: '1120729', name: 'Abigail Housing Ltd' }),
      ],
      [
        toMention({ id: 'GB-CHC-328729', name: 'Asylum Aid' }),
        toMention({ charityNumber: '328729', name: 'Asylum Aid' }),
      ],
    ];
    const different: typeof same = [
      [
        toMention({ id: 'GB-CHC-328729', name: 'Asylum Aid' }),
        toMention({ id: 'GB-CHC-1120729', name: 'Abigail Housing' }),
      ],
    ];
    const learnt = estimateConfig(same, different);
    // Too few pairs to estimate from (fewer than 50 compare the name): the configured levels stand.
    expect(learnt.levels.name).toEqual(DEFAULT_MATCHING_CONFIG.levels.name);
    const many = estimateConfig(
      Array.from({ length: 60 }, () => same[1] as (typeof same)[number]),
      Array.from({ length: 60 }, () => different[0] as (typeof same)[number]),
    );
    expect(many.levels.name.exact.m).toBeGreaterThan(many.levels.name.exact.u);
    expect(many.levels.name.different.u).toBeGreaterThan(many.levels.name.different.m);
    expect(many.levels.registeredId).toEqual(DEFAULT_MATCHING_CONFIG.levels.registeredId);
    expect(many.version).toContain('estimated(60/60)');
  });
});

describe('graded levels on the error classes real names showed (issue 19)', () => {
  const band = (a: Parameters<typeof toMention>[0], b: Parameters<typeof toMention>[0]) =>
    scorePair(toMention(a), toMention(b));
  const levels = (a: Parameters<typeof toMention>[0], b: Parameters<typeof toMention>[0]) =>
    Object.fromEntries(band(a, b).evidence.map((e) => [e.feature, e.outcome]));

  it('keeps branches and sites apart: a dashed or bracketed part that is not an acronym is a qualifier', () => {
    const branch = levels(
      { name: 'Henry Booth House - Humpty Dumpty' },
      { name: 'Henry Booth House - Kiddie Kottage' },
    );
    expect(branch).toMatchObject({ name: 'exact', qualifier: 'different' });
    expect(band({ name: 'Citizens Advice - Camden' }, { name: 'Citizens Advice - Islington' }).band).not.toBe(
      'link',
    );
    expect(
      band({ name: 'Bowne Global Solutions (France)' }, { name: 'Bowne Global Solutions (Germany)' }).band,
    ).not.toBe('link');
    expect(
      levels({ name: 'Friends of the Elderly (Bridlington)' }, { name: 'Friends of the Elderly' }),
    ).toMatchObject({
      qualifier: 'one-sided',
    });
    // A bracketed country says where, not which; an acronym beside a name is another name for it.
    expect(toMention({ name: 'Abbott (United States)' })).toMatchObject({
      names: ['abbott'],
      qualifiers: [],
    });
    expect(
      band(
        { name: 'Abbott (United States)', addressCountry: 'US' },
        { name: 'Western Digital (United States)', addressCountry: 'US' },
      ).band,
    ).toBe('no-link');
    expect(toMention({ name: 'IDC (International Detention Coalition)' }).qualifiers).toEqual([]);
  });

  it('compares legal forms: Deutsche Bank AG is not Deutsche Bank GmbH', () => {
    const pair = levels({ name: 'Deutsche Bank AG' }, { name: 'Deutsche Bank GmbH' });
    expect(pair).toMatchObject({ name: 'exact', legalForm: 'different' });
    expect(band({ name: 'Deutsche Bank AG' }, { name: 'Deutsche Bank GmbH' }).band).not.toBe('link');
    expect(levels({ name: 'Deutsche Bank AG' }, { name: 'Deutsche Bank' }).legalForm).toBe('missing');
  });

  it('counts word order once: a reordered name is one level, not two agreements', () => {
    const pair = band({ name: 'University of NSW, Sydney' }, { name: 'University of Sydney, NSW' });
    expect(pair.evidence.filter((e) => e.feature === 'name')).toEqual([
      expect.objectContaining({ outcome: 'reordered' }),
    ]);
    expect(pair.band).not.toBe('link');
  });

  it('weighs generic words little: one extra word is containment, not four disagreements', () => {
    const frequencies = (t: string) => ({ uk: 2000, trust: 3000 })[t as 'uk'] ?? 1;
    const taxaid = scorePair(
      toMention({ name: 'TaxAid' }),
      toMention({ name: 'TaxAid UK' }),
      undefined,
      frequencies,
    );
    expect(taxaid.evidence.find((e) => e.feature === 'name')?.outcome).toBe('contained');
    expect(taxaid.band).not.toBe('no-link');
    const wildscreen = scorePair(
      toMention({ name: 'Wildscreen' }),
      toMention({ name: 'The Wildscreen Trust' }),
      undefined,
      frequencies,
    );
    expect(wildscreen.score).toBeGreaterThan(0);
    expect(wildscreen.band).not.toBe('no-link');
  });

  it('takes numbers of different schemes as missing, and an acronym against its expansion to review', () => {
    const pair = band(
      { name: 'MACC', charityNumber: '1124727', addressCountry: 'GB' },
      { name: 'Manchester Alliance for Community Care', companyNumber: '06528342', addressCountry: 'GB' },
    );
    expect(Object.fromEntries(pair.evidence.map((e) => [e.feature, e.outcome]))).toMatchObject({
      registeredId: 'missing',
      name: 'acronym',
    });
    expect(pair.band).not.toBe('no-link');
  });

  it('sends a shared registered number to review at least, whatever the names', () => {
    const pair = band(
      { name: 'Get Connected', charityNumber: '1108474' },
      { name: 'Get Connected Helpline', charityNumber: '1108474' },
    );
    expect(pair.band).not.toBe('no-link');
    // Nothing else agrees (another legal form, country and website): the shared number still asks a person.
    const unlike = band(
      { id: 'GB-CHC-1108474', name: 'Get Connected Ltd', addressCountry: 'GB', url: 'getconnected.org.uk' },
      { id: 'GB-CHC-1108474', name: 'Helpline CIC', addressCountry: 'IE', url: 'helpline.ie' },
    );
    expect(unlike).toMatchObject({ band: 'review', rule: 'shared-registration' });
  });

  it('never sends names that share nothing to review on a country, a legal form or a qualifier alone', () => {
    // Real ROR names: two Japanese manufacturers, each "Co., Ltd.", one with "(Japan)". With the tuned review
    // threshold such pairs score below it anyway; the rule holds whatever the threshold (here one of 3).
    const lenient = { ...DEFAULT_MATCHING_CONFIG, review: 3 };
    const firms = scorePair(
      toMention({ name: 'Torishima PUMP MFG. Co., Ltd. (Japan)', addressCountry: 'JP' }),
      toMention({ name: 'AWA Paper MFG. Co., Ltd.', addressCountry: 'JP' }),
      lenient,
    );
    expect(firms.score).toBeGreaterThanOrEqual(lenient.review);
    expect(firms).toMatchObject({ band: 'no-link', rule: 'names-differ' });
    // A name one step closer (a word in common) is judged on its score as before.
    const close = scorePair(
      toMention({ name: 'Refugee Action', addressCountry: 'GB' }),
      toMention({ name: 'Kent Refugee Action Network', addressCountry: 'GB' }),
      lenient,
    );
    expect(close.rule).toBeUndefined();
    expect(close.band).not.toBe('no-link');
  });

  it('never counts a shared postcode or web domain for names that differ', () => {
    const sites = scorePair(
      toMention({
        name: 'Humpty Dumpty Day Nursery',
        postalCode: '60609',
        addressCountry: 'US',
        url: 'hbh.org',
      }),
      toMention({
        name: 'Kiddie Kottage Learning Centre',
        postalCode: '60609',
        addressCountry: 'US',
        url: 'hbh.org',
      }),
    );
    expect(sites.evidence.filter((e) => e.feature === 'postcode' || e.feature === 'domain')).toEqual([
      expect.objectContaining({ outcome: 'same', weight: 0 }),
      expect.objectContaining({ outcome: 'same', weight: 0 }),
    ]);
    expect(sites.band).toBe('no-link');
    // A ZIP is a town, a UK unit postcode a street: they are different levels.
    const zip = levels(
      { name: 'A', postalCode: '60609', addressCountry: 'US' },
      { name: 'A', postalCode: '60609', addressCountry: 'US' },
    );
    const unit = levels({ name: 'A', postalCode: 'BS1 4QA' }, { name: 'A', postalCode: 'BS14QA' });
    expect([zip.postcode, unit.postcode]).toEqual(['same', 'unit']);
  });

  it('links a funder’s repeats of its own recipient id; an exact name alone, with nothing else, asks a person', () => {
    const again = band(
      { id: '360G-abct-ORG-7', name: 'Refugee Advice Centre' },
      { id: '360G-abct-ORG-7', name: 'Refugee Advice Centre' },
    );
    expect(again.evidence.find((e) => e.feature === 'registeredId')?.outcome).toBe('internal');
    expect(again.band).toBe('link');
    // Two funders' ids, one name, no country, postcode or number: "Ministry of Health" is many organisations.
    expect(
      band(
        { id: '360G-a-1', name: 'Refugee Advice Centre' },
        { id: '360G-b-1', name: 'Refugee Advice Centre' },
      ).band,
    ).toBe('review');
  });

  it('never lets a slip turn one number or acronym into another', () => {
    expect(levels({ name: 'UMR5292' }, { name: 'UMR5298' }).name).toBe('different');
    expect(levels({ name: 'UNIPD' }, { name: 'UNIPV' }).name).toBe('different');
    expect(levels({ name: 'IRIS' }, { name: 'IRIS' }).name).toBe('acronym');
  });
});
