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
    expect(pair.evidence.find((e) => e.feature === 'fingerprint')).toMatchObject({ outcome: 'agree' });
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
  it('learns m and u from pairs labelled by registered identifiers, keeping the registration weight', () => {
    // The labels come from the identifiers: these pairs share one, the other holds two different ones.
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
    expect(learnt.features.name.m).toBeGreaterThan(learnt.features.name.u);
    expect(learnt.features.registeredId).toEqual(DEFAULT_MATCHING_CONFIG.features.registeredId);
    expect(learnt.version).toContain('estimated(2/1)');
  });
});
