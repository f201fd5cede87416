// A resolved recipient mention with no matching features, for code that only reads its money, taxonomy and
// organisation (the gap rollups): unit tests and the gap benchmark build theirs from it.
import type { StoredMention } from '../schemas/organisation.ts';

export function stubMention(overrides: Partial<StoredMention> = {}): StoredMention {
  return {
    mentionId: 'osf#g1#0',
    funderId: 'osf',
    grantId: 'g1',
    index: 0,
    grantVersion: 1,
    visibility: 'hub',
    amount: 1000,
    currency: 'USD',
    awardDate: '2015-06-01',
    title: 'Core support',
    regrantType: null,
    themes: ['governance'],
    regions: ['global'],
    features: {
      name: '',
      identifiers: [],
      names: [],
      fingerprints: [],
      tokens: [],
      acronyms: [],
      writtenAcronyms: [],
      legalForms: [],
      qualifiers: [],
      country: null,
      postcode: null,
      domain: null,
    },
    featuresHash: '',
    blockKeys: [],
    orgId: 'org_a',
    link: {
      method: 'new',
      score: null,
      evidence: [],
      withMentionId: null,
      configVersion: 'stub',
      decidedBy: 'resolver',
      decidedAt: '2026-01-01T00:00:00Z',
    },
    moneyLink: null,
    revision: 1,
    ...overrides,
  };
}
