// What publishers publish, read as the standard wants it: dates, durations, Yes/No, amounts, ids and URLs
// converted with the written value kept; what cannot be read without guessing refused with the value shown.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchGrantItemSchema } from '../../schemas/grant.ts';
import { checkFundingOrganisation } from '../../shared/grants/funding-organisation.ts';
import { isReupload } from '../../shared/organisations/grant-links.ts';
import { unmarshallImage } from '../../shared/streams/stream-image.ts';
import { readDate } from '../../shared/threesixty/dates.ts';
import { normaliseGrant } from '../../shared/threesixty/normalise.ts';
import { toPublishedGrant } from '../../shared/threesixty/published.ts';
import { FileQuality, QUALITY_CHECKS, qualityFindings } from '../../shared/threesixty/quality.ts';
import { standardProblems } from '../../shared/threesixty/validate.ts';

const realFile = (name: string) =>
  (
    JSON.parse(readFileSync(resolve(import.meta.dirname, '../../local/demo/360giving', name), 'utf8')) as {
      grants: Array<Record<string, unknown>>;
    }
  ).grants;

describe('dates as publishers write them', () => {
  it.each([
    ['17/03/2014', '2014-03-17'],
    ['26/03/2001 00:00', '2001-03-26'],
    ['3/17/2014', '2014-03-17'],
    ['05/05/2014', '2014-05-05'],
    ['1 January 2013', '2013-01-01'],
    ['1st Jan 2013', '2013-01-01'],
    ['01-Jan-2013', '2013-01-01'],
    ['January 1, 2013', '2013-01-01'],
    ['08/2013', '2013-08'],
    ['Jan-14', '2014-01'],
    ['March 2013', '2013-03'],
    ['2014-03-17T00:00:00', '2014-03-17'],
    ['2014-03-17 10:30', '2014-03-17T10:30:00Z'],
    ['2014/03/17', '2014-03-17'],
    ['41715', '2014-03-17'],
    ['2021-01-26T00:00:00+00:00', '2021-01-26T00:00:00+00:00'],
  ])('reads %s as %s', (written, iso) => {
    expect(readDate(written)).toMatchObject({ ok: true, iso });
  });

  it('refuses 05/03/2014 when nothing settles its order, and reads it as either order says', () => {
    const unsettled = readDate('05/03/2014');
    expect(unsettled.ok).toBe(false);
    expect(unsettled.ok ? '' : unsettled.reason).toMatch(/--date-order dmy .* or mdy/);
    expect(readDate('05/03/2014', 'dmy')).toMatchObject({ ok: true, iso: '2014-03-05' });
    expect(readDate('05/03/2014', 'mdy')).toMatchObject({ ok: true, iso: '2014-05-03' });
  });

  it('refuses a value that contradicts the order it was told, and days that do not exist', () => {
    expect(readDate('03/17/2014', 'dmy').ok).toBe(false);
    expect(readDate('17/03/2014', 'mdy').ok).toBe(false);
    expect(readDate('31/02/2014').ok).toBe(false);
    expect(readDate('2014-02-30').ok).toBe(false);
    expect(readDate('13/13/2014').ok).toBe(false);
    expect(readDate('soon').ok).toBe(false);
  });
});

describe('normaliseGrant', () => {
  const messy = {
    id: ' 360G-X  1 ',
    title: 'T',
    description: 'D',
    currency: 'GBP',
    amountAwarded: '£1,000',
    awardDate: '17/03/2014',
    url: 'www.example.org/grants',
    fromOpenCall: 'Y',
    plannedDates: [{}, { startDate: '08/2013', endDate: '1 August 2014', duration: '12 months' }],
    recipientOrganization: [{ id: 'GB-CHC- 1126147', name: 'Access to Justice Foundation', url: 'N/A' }],
    fundingOrganization: [{ id: 'GB-CHC-1000147', name: 'A B Charitable Trust' }],
    'Extra Column': '17/03/2014',
  };

  it('converts each messy value, reporting the value as written', () => {
    const { grant, conversions, errors } = normaliseGrant(messy);
    expect(errors).toEqual([]);
    expect(grant).toMatchObject({
      id: '360G-X 1',
      amountAwarded: 1000,
      awardDate: '2014-03-17',
      url: 'http://www.example.org/grants',
      fromOpenCall: 'Yes',
      plannedDates: [{ startDate: '2013-08', endDate: '2014-08-01', duration: 12 }],
      recipientOrganization: [{ id: 'GB-CHC-1126147' }],
    });
    expect(grant.recipientOrganization).toEqual([
      { id: 'GB-CHC-1126147', name: 'Access to Justice Foundation' },
    ]);
    // A publisher's own column is kept as written.
    expect(grant['Extra Column']).toBe('17/03/2014');
    const written = Object.fromEntries(conversions.map((c) => [c.field, c.value]));
    expect(written).toMatchObject({
      id: ' 360G-X  1 ',
      amountAwarded: '£1,000',
      awardDate: '17/03/2014',
      url: 'www.example.org/grants',
      fromOpenCall: 'Y',
      'plannedDates.0': {},
      'plannedDates.0.duration': '12 months',
      'recipientOrganization.0.url': 'N/A',
    });
    // What it made passes the standard's own schema, so an export of it cannot fail.
    expect(standardProblems(grant)).toEqual([]);
  });

  it.each([
    ['1e5', 100_000],
    ['2.5E+3', 2500],
    ['$2,500', 2500],
    ['1 000.50', 1000.5],
  ])('reads the amount %s as %d', (written, amount) => {
    const { grant, errors } = normaliseGrant({ ...messy, amountAwarded: written });
    expect(errors).toEqual([]);
    expect(grant.amountAwarded).toBe(amount);
  });

  it('refuses values it cannot read, naming the field and the value', () => {
    const { errors } = normaliseGrant({
      ...messy,
      awardDate: '05/03/2014',
      fromOpenCall: 'Maybe',
      url: 'see our website',
      plannedDates: [{ duration: 'a while' }],
    });
    expect(errors.map((e) => [e.field, e.value])).toEqual([
      ['awardDate', '05/03/2014'],
      ['url', 'see our website'],
      ['fromOpenCall', 'Maybe'],
      ['plannedDates.0.duration', 'a while'],
    ]);
    // With the order settled, the date reads.
    expect(normaliseGrant({ ...messy, awardDate: '05/03/2014' }, { dateOrder: 'dmy' }).grant.awardDate).toBe(
      '2014-03-05',
    );
  });

  it('reads spreadsheet date cells and serials in date columns', () => {
    const { grant } = normaliseGrant({
      ...messy,
      awardDate: new Date(Date.UTC(2014, 2, 17)),
      plannedDates: [{ startDate: 41_715 }],
    });
    expect(grant.awardDate).toBe('2014-03-17');
    expect(grant.plannedDates).toEqual([{ startDate: '2014-03-17' }]);
  });

  it("keeps every grant of both real files as it is and valid against the standard's schema", () => {
    for (const name of ['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json']) {
      for (const g of realFile(name)) {
        const { grant, errors, conversions } = normaliseGrant(g);
        expect(errors).toEqual([]);
        expect(conversions).toEqual([]);
        expect(standardProblems(grant)).toEqual([]);
      }
    }
  });
});

describe('data quality warnings', () => {
  const ctx = { today: '2026-12-02', fileDate: '2024-06-30' };
  const codes = (g: Record<string, unknown>) => new Set(qualityFindings(g, ctx).map((f) => f.code));
  const base = {
    id: '360G-X-1',
    title: 'Core support',
    description: 'Core support for legal advice',
    currency: 'GBP',
    amountAwarded: 1000,
    awardDate: '2024-01-10',
    dateModified: '2024-06-30T00:00:00Z',
    dataSource: 'https://example.org',
    grantProgramme: [{ title: 'Open' }],
    beneficiaryLocation: [{ name: 'UK Wide' }],
    plannedDates: [{ startDate: '2024-02-01', endDate: '2025-01-31', duration: 12 }],
    recipientOrganization: [
      { id: 'GB-CHC-1126147', name: 'A', charityNumber: '1126147', postalCode: 'WC2A 1JF' },
    ],
    fundingOrganization: [{ id: 'GB-CHC-1000147', name: 'A B Charitable Trust' }],
  };

  it('finds nothing in a complete, plausible grant', () => {
    expect([...codes(base)]).toEqual([]);
  });

  it.each([
    ['zero_amount', { amountAwarded: 0 }],
    ['negative_amount', { amountAwarded: -500 }],
    [
      'recipient_org_unrecognised_prefix',
      {
        recipientOrganization: [
          { id: 'XX-NOPE-1', name: 'A', postalCode: 'WC2A 1JF', charityNumber: '1126147' },
        ],
      },
    ],
    [
      'recipient_org_360g_prefix',
      {
        recipientOrganization: [
          { id: '360G-X-ORG-1', name: 'A', postalCode: 'WC2A 1JF', charityNumber: '1126147' },
        ],
      },
    ],
    [
      'recipient_charity_number_invalid',
      {
        recipientOrganization: [
          { id: 'GB-CHC-1126147', name: 'A', charityNumber: 'exempt', postalCode: 'X' },
        ],
      },
    ],
    [
      'recipient_company_number_invalid',
      { recipientOrganization: [{ id: 'GB-CHC-1126147', name: 'A', companyNumber: '123', postalCode: 'X' }] },
    ],
    [
      'org_id_invalid',
      { recipientOrganization: [{ id: 'GB-CHC-12', name: 'A', charityNumber: '1126147', postalCode: 'X' }] },
    ],
    [
      'no_recipient_charity_or_company_number',
      { recipientOrganization: [{ id: 'GB-CHC-1126147', name: 'A', postalCode: 'X' }] },
    ],
    [
      'incomplete_recipient_org',
      { recipientOrganization: [{ id: 'GB-CHC-1126147', name: 'A', charityNumber: '1126147' }] },
    ],
    ['looks_like_email', { description: 'Contact jo@example.org for details' }],
    [
      'planned_start_after_end',
      { plannedDates: [{ startDate: '2025-02-01', endDate: '2024-01-01', duration: 12 }] },
    ],
    ['far_future_planned_dates', { plannedDates: [{ startDate: '2040-01-01', duration: 12 }] }],
    ['far_past_dates', { awardDate: '1990-05-01' }],
    ['award_date_in_future', { awardDate: '2027-05-01' }],
    ['award_date_after_file_date', { awardDate: '2025-05-01' }],
    ['title_equals_description', { description: 'Core support' }],
    ['title_too_long', { title: 'x'.repeat(141) }],
    ['no_grant_programme', { grantProgramme: [] }],
    ['no_beneficiary_location', { beneficiaryLocation: undefined }],
    ['no_last_modified', { dateModified: undefined }],
    ['no_data_source', { dataSource: undefined }],
    ['no_planned_duration', { plannedDates: [{ startDate: '2024-02-01' }] }],
  ] as const)('flags %s', (code, change) => {
    expect(codes({ ...base, ...change })).toContain(code);
    expect(QUALITY_CHECKS[code]).toBeTruthy();
  });

  it('flags grants to individuals with DEI data, postcodes as geocodes, or no details', () => {
    const individual = {
      ...base,
      recipientOrganization: undefined,
      recipientIndividual: { id: '360G-X-IND-1', name: 'Individual' },
      project: [{ dei: true }],
      beneficiaryLocation: [{ name: 'Somewhere', geoCode: 'SW1A 1AA' }],
    };
    expect(codes(individual)).toEqual(
      new Set([
        'recipient_individual_with_dei',
        'recipient_individual_without_details',
        'individual_geocode_looks_like_postcode',
      ]),
    );
  });

  it('flags a second funding organisation id and a name seen with two ids, across the file', () => {
    const file = new FileQuality();
    expect(file.observe(base)).toEqual([]);
    const other = file.observe({
      ...base,
      fundingOrganization: [{ id: 'GB-CHC-999999', name: 'A B Charitable Trust' }],
    });
    expect(other.map((f) => f.code).sort()).toEqual([
      'funding_org_name_with_new_id',
      'more_than_one_funding_org',
    ]);
  });

  it('counts what the real files really have: ABCT writes charity numbers some recipients do not have', () => {
    const found = new Map<string, number>();
    for (const g of realFile('ab-charitable-trust.json'))
      for (const f of qualityFindings(g, { today: '2026-12-02' }))
        found.set(f.code, (found.get(f.code) ?? 0) + 1);
    expect(found.get('no_last_modified')).toBe(783);
    expect(found.get('recipient_charity_number_invalid')).toBeGreaterThan(0);
    expect(found.get('zero_amount') ?? 0).toBe(0);
  });
});

describe('stream images', () => {
  it('reads the untyped empty map DynamoDB Local streams for an empty object', () => {
    expect(unmarshallImage({ PK: { S: 'a' }, plannedDates: { L: [{} as never] }, m: {} as never })).toEqual({
      PK: 'a',
      plannedDates: [{}],
      m: {},
    });
  });
});

describe('fundingOrganization', () => {
  const abct = { funderId: 'abct', name: 'A B Charitable Trust', identifiers: ['GB-CHC-1000147'] };
  const alwf = { funderId: 'alwf', name: 'Andrew Lloyd Webber Foundation', identifiers: ['GB-CHC-1015648'] };
  const nef = { funderId: 'nef', name: 'Network of European Foundations', identifiers: [] };
  const fund = { funderId: 'epim-det', name: 'EPIM detention', identifiers: ['360G-EPIM-FUND-DET'] };
  const all = [abct, alwf, nef, fund];

  it('accepts the writer itself, written either way, and a sub-fund it runs', () => {
    expect(checkFundingOrganisation([{ id: 'gb-chc-1000147' }], { own: [abct], all }, '')).toEqual({});
    expect(checkFundingOrganisation([{ id: '360G-EPIM-FUND-DET' }], { own: [nef, fund], all }, '')).toEqual(
      {},
    );
  });

  it("refuses another funder's grant, saying whose it is, and an unknown funder's", () => {
    const other = checkFundingOrganisation(
      [{ id: 'GB-CHC-1015648', name: 'ALWF' }],
      { own: [abct], all },
      'grants.0.',
    );
    expect(other.error?.field).toBe('grants.0.fundingOrganization');
    expect(other.error?.message).toMatch(/alwf/);
    expect(
      checkFundingOrganisation([{ id: 'GB-CHC-222222', name: 'Someone' }], { own: [abct], all }, '').error,
    ).toBeTruthy();
  });

  it('refuses a grant naming itself and, anywhere in the list, another funder of the hub', () => {
    // Listed first, the other funder is the grant's Funding Org in the flat 360Giving form of an export.
    for (const entries of [
      [{ id: 'GB-CHC-1015648', name: 'ALWF' }, { id: 'GB-CHC-1000147' }],
      [{ id: 'GB-CHC-1000147' }, { id: 'GB-CHC-1015648' }],
      [{ id: 'GB-CHC-1000147' }, { name: 'Andrew Lloyd Webber Foundation' }],
    ]) {
      expect(checkFundingOrganisation(entries, { own: [abct], all }, '').error?.message).toMatch(/alwf/);
    }
    // A co-funder that is not a funder of the hub may be named beside the writer.
    expect(
      checkFundingOrganisation(
        [{ id: 'GB-CHC-1000147' }, { id: 'GB-CHC-222222', name: 'Someone' }],
        { own: [abct], all },
        '',
      ),
    ).toEqual({});
  });

  it('accepts with a warning what it cannot check for a funder without an org-id, unless it is another funder', () => {
    expect(
      checkFundingOrganisation([{ id: 'GB-CHC-1', name: 'NEF' }], { own: [nef, fund], all }, '').warning,
    ).toBeTruthy();
    expect(checkFundingOrganisation([{ id: 'GB-CHC-1015648' }], { own: [nef], all }, '').error).toBeTruthy();
  });

  it('accepts its own name under an unrecorded id, with a warning', () => {
    const byName = checkFundingOrganisation(
      [{ id: 'GB-COH-01234567', name: 'A B Charitable Trust' }],
      { own: [abct], all },
      '',
    );
    expect(byName.error).toBeUndefined();
    expect(byName.warning?.message).toMatch(/not with one of its identifiers/);
  });
});

describe('export after import', () => {
  it('publishes a converted grant valid against the standard, hub fields left out', () => {
    const { grant } = normaliseGrant({
      id: '360G-X-2',
      title: 'T',
      description: 'D',
      currency: 'GBP',
      amountAwarded: -250,
      awardDate: '26/03/2001 00:00',
      recipientOrganization: [{ id: 'GB-CHC-1126147', name: 'A', url: 'atjf.org.uk' }],
      fundingOrganization: [{ id: 'GB-CHC-1000147', name: 'A B Charitable Trust' }],
    });
    // The hub's own request schema takes it as converted, and its export is the standard's.
    const published = toPublishedGrant(BatchGrantItemSchema.parse({ ...grant, visibility: 'public' }));
    expect(standardProblems(published)).toEqual([]);
    expect(published.amountAwarded).toBe(-250);
  });
});

describe('re-uploads', () => {
  const facts = (grantId: string, uploadId: string | undefined, at: string) => ({
    mentionId: `abct#${grantId}#0`,
    funderId: 'abct',
    grantId,
    amount: 250,
    currency: 'GBP',
    awardDate: '2019-04-01',
    title: 'A grant to Citizens Advice Bradford',
    regrantType: null,
    visibility: 'public',
    grantCreatedAt: at,
    ...(uploadId ? { uploadId } : {}),
  });

  it('are a later upload repeating an earlier one, never two grants of one file', () => {
    const one = facts('g-1', 'upload-2019', '2019-05-01T00:00:00Z');
    expect(isReupload(one, facts('g-2', 'upload-2019', '2019-05-01T00:00:01Z'))).toBeNull();
    expect(isReupload(one, facts('g-3', 'upload-2020', '2020-05-01T00:00:00Z'))?.[0]).toMatch(/exact copy/);
    // Records written before uploads were kept are compared as before.
    expect(isReupload(facts('g-4', undefined, 'x'), facts('g-5', undefined, 'y'))).not.toBeNull();
  });
});
