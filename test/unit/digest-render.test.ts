// Digest periods (the exactly-once key) and the rendered email: a snapshot of the HTML, its parsed structure,
// and plain text a person can read.
import { parse } from 'node-html-parser';
import { describe, expect, it } from 'vitest';
import type { DigestContent } from '../../schemas/digest.ts';
import { daysBetween, periodOf } from '../../shared/digests/periods.ts';
import { isEmptyDigest, renderDigest } from '../../shared/digests/render.ts';

describe('digest periods', () => {
  it('names days and ISO weeks, with weeks that cross a year belonging to the year of their Thursday', () => {
    expect(periodOf('daily', new Date('2026-11-23T07:00:00Z'))).toBe('D2026-11-23');
    expect(periodOf('weekly', new Date('2026-11-23T07:00:00Z'))).toBe('W2026-48');
    expect(periodOf('weekly', new Date('2026-11-29T23:59:59Z'))).toBe('W2026-48');
    expect(periodOf('weekly', new Date('2026-11-30T00:00:00Z'))).toBe('W2026-49');
    // 2021-01-03 is a Sunday in the last ISO week of 2020; 2024-12-30 is a Monday in week 1 of 2025.
    expect(periodOf('weekly', new Date('2021-01-03T12:00:00Z'))).toBe('W2020-53');
    expect(periodOf('weekly', new Date('2024-12-30T12:00:00Z'))).toBe('W2025-01');
  });

  it('lists every day a window touches, so no feed partition is skipped', () => {
    expect(daysBetween('2026-11-28T23:00:00.000Z', '2026-12-01T00:30:00.000Z')).toEqual([
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
  });
});

const content: DigestContent = {
  member: {
    id: 'osf-officer',
    name: 'Lucía Ramírez',
    email: 'lucia@osf.example',
    funderName: 'Open Society Foundations',
  },
  period: 'W2026-48',
  windowFrom: '2026-11-16T07:00:00.000Z',
  windowTo: '2026-11-23T06:58:00.000Z',
  preferences: { frequency: 'weekly', themes: ['enforcement-detention'], regions: [] },
  funderNames: {
    macarthur: 'MacArthur Foundation',
    osf: 'Open Society Foundations',
    nef: 'Network of European Foundations',
  },
  grants: {
    total: 2,
    truncated: false,
    items: [
      {
        funderId: 'macarthur',
        grantId: 'mac-1',
        version: 1,
        change: 'new',
        title: 'Detention <monitoring> & "legal" aid',
        amount: 250000,
        currency: 'USD',
        recipient: 'Global Detention Project',
        awardDate: '2026-11-01',
        themes: ['enforcement-detention'],
        regions: ['global'],
        visibility: 'hub',
        recordedAt: '2026-11-20T10:00:00.000Z',
      },
      {
        funderId: 'osf',
        grantId: 'osf-9',
        version: 2,
        change: 'changed',
        title: 'Alternatives to detention',
        amount: 120000,
        currency: 'EUR',
        recipient: null,
        awardDate: null,
        themes: ['enforcement-detention'],
        regions: ['europe'],
        visibility: 'private',
        recordedAt: '2026-11-19T10:00:00.000Z',
      },
    ],
  },
  opportunities: [
    {
      id: 'opp_1',
      funderId: 'nef',
      title: 'Bridge funding',
      recipient: 'PICUM',
      currency: 'EUR',
      unmet: 80000,
      deadline: '2026-12-31',
    },
  ],
  pledges: [
    {
      opportunityId: 'opp_2',
      title: 'Court monitoring',
      funderId: 'macarthur',
      status: 'committed',
      amount: 50000,
      currency: 'USD',
      at: '2026-11-21T09:00:00.000Z',
    },
  ],
  duplicates: {
    count: 1,
    waiting: 3,
    more: false,
    items: [
      {
        pairId: 'a'.repeat(24),
        summary: '"PICUM" (osf) and "Platform for Undocumented Migrants" (nef), score 0.81',
      },
    ],
  },
  gapChanges: {
    newlyDependent: [
      {
        theme: 'governance',
        orgId: 'org_1',
        name: 'Global Coalition on Migration',
        funderId: 'macarthur',
        share: 0.573,
      },
    ],
    newlyExiting: [{ funderId: 'macarthur', name: 'John D. and Catherine T. MacArthur Foundation' }],
  },
};

describe('rendered digest', () => {
  const rendered = renderDigest(content, {
    unsubscribeUrl: 'https://hub.example/v1/digests/unsubscribe?token=a.b.c',
  });

  it('matches the reviewed HTML', async () => {
    await expect(rendered.html).toMatchFileSnapshot('./__snapshots__/digest.html');
  });

  it('has one section per kind of change, each item a list entry, with user text escaped', () => {
    const doc = parse(rendered.html);
    const sections = doc.querySelectorAll('section');
    expect(sections.map((s) => s.id)).toEqual(['grants', 'opportunities', 'pledges', 'duplicates', 'gaps']);
    const grants = doc.querySelector('#grants');
    expect(grants?.querySelector('h2')?.text).toBe('New and changed grants (2)');
    expect(grants?.querySelectorAll('li').map((li) => li.text)).toEqual([
      'New: Detention <monitoring> & "legal" aid - US$250,000 to Global Detention Project (MacArthur Foundation, awarded 2026-11-01)',
      'Changed: Alternatives to detention - €120,000 to an unnamed recipient (Open Society Foundations)',
    ]);
    // The title's markup arrived as text, not as an element.
    expect(doc.querySelector('monitoring')).toBeNull();
    expect(
      doc
        .querySelector('#gaps')
        ?.querySelectorAll('li')
        .map((li) => li.text),
    ).toEqual([
      'Funder exiting: John D. and Catherine T. MacArthur Foundation',
      'Global Coalition on Migration now gets 57% of its governance funding from MacArthur Foundation',
    ]);
    const unsubscribe = doc.querySelectorAll('a').find((a) => a.text === 'Unsubscribe');
    expect(unsubscribe?.getAttribute('href')).toBe('https://hub.example/v1/digests/unsubscribe?token=a.b.c');
    expect(doc.querySelector('html')?.getAttribute('lang')).toBe('en');
  });

  it('reads as plain text: a greeting, underlined headings, one line per item, the unsubscribe link', () => {
    const lines = rendered.text.split('\n');
    expect(lines[0]).toBe(
      'Hello Lucía Ramírez, here is what changed in the donor data hub between 2026-11-16 and 2026-11-23 that you may see.',
    );
    const heading = lines.indexOf('Pledges on your asks (1)');
    expect(lines[heading + 1]).toBe('-'.repeat('Pledges on your asks (1)'.length));
    expect(lines[heading + 2]).toBe(
      '* MacArthur Foundation committed US$50,000 on "Court monitoring" (2026-11-21)',
    );
    // No markup or entities of its own; a title's angle brackets are shown as they were written.
    expect(rendered.text).not.toMatch(/<\/?(p|li|ul|h\d|section|a|body)\b|&#\d+;/i);
    expect(rendered.text).toContain('* New: Detention <monitoring> & "legal" aid - US$250,000');
    expect(rendered.text).toContain('Unsubscribe: https://hub.example/v1/digests/unsubscribe?token=a.b.c');
    expect(rendered.text).toContain(
      'You get this weekly digest for themes enforcement-detention in all regions.',
    );
    expect(rendered.subject).toBe(
      'Donor data hub digest for Open Society Foundations, 2026-11-16 to 2026-11-23',
    );
  });

  it('calls a digest with nothing in it empty, and one with only a gap change not empty', () => {
    const nothing: DigestContent = {
      ...content,
      grants: { total: 0, truncated: false, items: [] },
      opportunities: [],
      pledges: [],
      duplicates: { count: 0, waiting: 2, more: false, items: [] },
      gapChanges: { newlyDependent: [], newlyExiting: [] },
    };
    expect(isEmptyDigest(nothing)).toBe(true);
    expect(
      isEmptyDigest({
        ...nothing,
        gapChanges: { ...nothing.gapChanges, newlyExiting: content.gapChanges.newlyExiting },
      }),
    ).toBe(false);
  });
});
