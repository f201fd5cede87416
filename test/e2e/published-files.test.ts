// Files as publishers publish them, through `cofund import` against the local gateway and the real stream: date
// forms, durations in words, Y/N, ids with stray whitespace, URLs without a scheme, .xlsx spreadsheets (the
// 360Giving template's sheet, Excel dates), flat files without titles, metadata files, other funders' grants. The
// report counts rows and shows each value; what goes in always comes out of an export valid against the schema.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../cli/api-client.ts';
import { runExport } from '../../cli/commands/export.ts';
import { formatImportSummary, runImport } from '../../cli/commands/import.ts';
import { followUpload } from '../../cli/commands/uploads.ts';
import { validateGrant } from '../../shared/threesixty/validate.ts';
import { issueKey, startTestHub, type TestHub } from '../support/hub.ts';

const dir = mkdtempSync(join(tmpdir(), 'cofund-published-'));
let hub: TestHub;
const keys: Record<string, string> = {};

const ABCT = { id: 'GB-CHC-1000147', name: 'A B Charitable Trust' };
const client = (funder: string) =>
  createApiClient({ baseUrl: hub.url, apiKey: keys[funder] ?? '', maxAttempts: 3 });
const importFile = (funder: string, file: string, extra: Partial<Parameters<typeof runImport>[0]> = {}) =>
  runImport({
    file,
    client: client(funder),
    apiUrl: hub.url,
    hub: { visibility: 'public', inferThemes: true },
    progress: false,
    today: '2026-12-02',
    restart: true,
    ...extra,
  });
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rejectionsOf = (report: Awaited<ReturnType<typeof runImport>>) =>
  report.rejections.map((r) => `${r.row} ${r.field} ${r.value ?? ''}`);
const warningOf = (report: Awaited<ReturnType<typeof runImport>>, code: string) =>
  report.warnings.groups.find((g) => g.code === code);

beforeAll(async () => {
  hub = await startTestHub({ server: true, streams: true });
  const at = new Date().toISOString();
  for (const [id, name, identifiers] of [
    ['abct', 'A B Charitable Trust', ['GB-CHC-1000147']],
    ['alwf', 'Andrew Lloyd Webber Foundation', ['GB-CHC-1015648']],
  ] as const) {
    await hub.services.repos.funders.create({
      id,
      name,
      kind: 'funder',
      identifiers: [...identifiers],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    await hub.services.repos.members.create({
      id: `${id}-editor`,
      funderId: id,
      name: 'Editor',
      email: `${id}@example.org`,
      role: 'editor',
      createdAt: at,
      updatedAt: at,
    });
    keys[id] = await issueKey(hub.services, id, `${id}-editor`);
  }
}, 120_000);
afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER =
  'Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Web Address,Funding Org:Identifier,Funding Org:Name,Planned Dates:Start Date,Planned Dates:Duration (months),From An Open Call?,Beneficiary Location:Name';
const row = (cells: Array<string | number>) =>
  cells.map((c) => (String(c).includes(',') ? `"${c}"` : c)).join(',');
const org = (n: number) => [`GB-CHC-11261${String(n).padStart(2, '0')}`, `Refugee Law Centre ${n}`];

describe('a CSV written the way UK publishers write them', () => {
  const rows = [
    [
      ' 360G-MSY-1 ',
      'Advice',
      'Legal advice for people seeking asylum',
      'GBP',
      '£1,000',
      '17/03/2014',
      ...org(1),
      'www.law1.org.uk',
      ABCT.id,
      ABCT.name,
      '08/2013',
      '12 months',
      'Y',
      'UK Wide',
    ],
    [
      '360G-MSY-2',
      'Advice',
      'Casework for refugees',
      'GBP',
      250,
      '05/03/2014',
      ...org(2),
      '',
      ABCT.id,
      ABCT.name,
      '1 January 2013',
      '2 years',
      'N',
      'London',
    ],
    [
      '360G-MSY 3',
      'Return',
      'A grant returned',
      'GBP',
      -500,
      '26/03/2001 00:00',
      ...org(3),
      '',
      ABCT.id,
      ABCT.name,
      '',
      '',
      'No',
      'Scotland',
    ],
    [
      '360G-MSY-4',
      'Theirs',
      'Another funder',
      'GBP',
      900,
      '2014-05-01',
      ...org(4),
      '',
      'GB-CHC-1015648',
      'Andrew Lloyd Webber Foundation',
      '',
      '',
      'Yes',
      'UK Wide',
    ],
    [
      '360G-MSY-1',
      'Again',
      'Same id again',
      'GBP',
      100,
      '2014-05-01',
      ...org(1),
      '',
      ABCT.id,
      ABCT.name,
      '',
      '',
      'Yes',
      'UK Wide',
    ],
    [
      '360G-MSY-5',
      'Bad',
      'Bad values',
      'GBP',
      // Not a number: the standard's verdict, listed with the values the importer could not convert.
      'about 100',
      '31/02/2014',
      ...org(5),
      'see our website',
      ABCT.id,
      ABCT.name,
      '',
      '',
      'Maybe',
      'UK Wide',
    ],
    // Its own id, but otherwise row 2 again (as three £250 grants to one office on one day are): two grants.
    [
      '360G-MSY-6',
      'Advice',
      'Legal advice for people seeking asylum',
      'GBP',
      1000,
      '17/03/2014',
      ...org(1),
      '',
      ABCT.id,
      ABCT.name,
      '',
      '',
      'Y',
      'UK Wide',
    ],
  ];
  let report: Awaited<ReturnType<typeof runImport>>;

  beforeAll(async () => {
    report = await importFile('abct', write('messy.csv', [HEADER, ...rows.map(row)].join('\n')), {
      batchSize: 2,
    });
  });

  it('counts rows, not errors, and names every refused field with its value', () => {
    expect(report).toMatchObject({ rowsRead: 7, created: 4, updated: 0, unchanged: 0, rejected: 3 });
    expect(report.created + report.updated + report.unchanged + report.rejected).toBe(report.rowsRead);
    expect(rejectionsOf(report)).toEqual([
      '5 fundingOrganization Andrew Lloyd Webber Foundation (GB-CHC-1015648)',
      '6 id 360G-MSY-1',
      '7 awardDate 31/02/2014',
      '7 recipientOrganization.0.url see our website',
      '7 fromOpenCall Maybe',
      '7 amountAwarded about 100',
    ]);
    expect(report.rejections[0]?.reason).toMatch(/alwf/);
    expect(report.rejections[1]?.reason).toMatch(/repeats the id of row 2/);
    const summary = formatImportSummary(report).join('\n');
    expect(summary).toContain('7 rows read');
    expect(summary).toContain('Rejected rows (3; 6 problems)');
  });

  it('settles 05/03/2014 from the file’s own 17/03/2014, and reports every conversion with the value written', () => {
    expect(report.dateOrder).toMatchObject({ order: 'dmy' });
    expect(report.dateOrder.because).toContain('17/03/2014');
    const dates = warningOf(report, 'date_converted');
    expect(dates?.examples.map((e) => `${e.field} ${e.value}`)).toEqual(
      expect.arrayContaining([
        'awardDate 17/03/2014',
        'plannedDates.0.startDate 08/2013',
        'awardDate 05/03/2014',
        'awardDate 26/03/2001 00:00',
      ]),
    );
    expect(warningOf(report, 'duration_converted')?.rows).toBe(2);
    expect(warningOf(report, 'yes_no_converted')?.rows).toBe(3);
    expect(dates?.examples.some((e) => e.value === '1 January 2013')).toBe(true);
    expect(warningOf(report, 'url_converted')?.examples[0]).toMatchObject({ value: 'www.law1.org.uk' });
    expect(warningOf(report, 'id_whitespace_removed')?.examples[0]).toMatchObject({ value: ' 360G-MSY-1 ' });
    expect(warningOf(report, 'number_converted')?.examples[0]).toMatchObject({ value: '£1,000' });
    expect(warningOf(report, 'negative_amount')?.rows).toBe(1);
    expect(warningOf(report, 'duplicate_id_in_file')?.rows).toBe(1);
  });

  it('keeps three alike grants of one file as three grants, each counted', async () => {
    await hub.poller?.drain(120_000);
    // Rows 2 and 8: one organisation, and no re-upload link between two grants of one file.
    for (const id of ['360G-MSY-1', '360G-MSY-6']) {
      const orgs = await hub.request(keys.abct ?? '', 'GET', `/v1/grants/abct/${id}/organisations`);
      expect(orgs.body.status).toBe('resolved');
      expect(orgs.body.items[0]?.moneyLink).toBeNull();
    }
  });

  it('exports what it imported, valid against the 360Giving schema, converted values and all', async () => {
    const out = join(dir, 'messy-export.json');
    const exported = await runExport({
      client: client('abct'),
      out,
      format: 'json',
      scope: 'visible',
      filters: {},
    });
    expect(exported.grants).toBe(4);
    expect(exported.invalid).toEqual([]);
    const back = JSON.parse(readFileSync(out, 'utf8')).grants as Array<Record<string, unknown>>;
    for (const g of back) expect(validateGrant(g)).toEqual([]);
    expect(back.find((g) => g.id === '360G-MSY-1')).toMatchObject({
      awardDate: '2014-03-17',
      amountAwarded: 1000,
      fromOpenCall: 'Yes',
      plannedDates: [{ startDate: '2013-08', duration: 12 }],
      recipientOrganization: [{ url: 'http://www.law1.org.uk' }],
    });
    expect(back.find((g) => g.id === '360G-MSY 3')?.amountAwarded).toBe(-500);
  });
});

describe('a file whose dates could be read either way', () => {
  const csv = () =>
    write(
      'ambiguous.csv',
      [
        HEADER,
        row([
          '360G-AMB-1',
          'A',
          'Advice',
          'GBP',
          100,
          '05/03/2014',
          ...org(7),
          '',
          ABCT.id,
          ABCT.name,
          '',
          '',
          'Y',
          'UK Wide',
        ]),
      ].join('\n'),
    );

  it('refuses them with the value and how to settle it, then reads them as --date-order says', async () => {
    const refused = await importFile('abct', csv());
    expect(refused.rejected).toBe(1);
    expect(refused.rejections[0]).toMatchObject({ field: 'awardDate', value: '05/03/2014' });
    expect(refused.rejections[0]?.reason).toMatch(/--date-order dmy/);
    const settled = await importFile('abct', csv(), { dateOrder: 'mdy' });
    expect(settled).toMatchObject({ created: 1, rejected: 0 });
    const grant = await hub.request(keys.abct ?? '', 'GET', '/v1/grants/abct/360G-AMB-1');
    expect(grant.body.grant.awardDate).toBe('2014-05-03');
  });
});

describe('a spreadsheet in the 360Giving template', () => {
  it('reads the grants sheet, Excel date cells and serials, and says what it skipped', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Instructions').addRow(['Fill in the grants sheet']);
    const sheet = workbook.addWorksheet('grants');
    sheet.addRow([
      'Identifier',
      'Title',
      'Description',
      'Currency',
      'Amount Awarded',
      'Award Date',
      'Recipient Org:Identifier',
      'Recipient Org:Name',
      'Funding Org:Identifier',
      'Funding Org:Name',
      'Planned Dates:Start Date',
      'Planned Dates:End Date',
      'Internal code',
    ]);
    sheet.addRow([
      '360G-XL-1',
      'Music',
      'Instruments for a school orchestra',
      'GBP',
      15000,
      new Date(Date.UTC(2020, 10, 3)),
      'GB-EDU-133843',
      'Royal Northern College of Music',
      'GB-CHC-1015648',
      'Andrew Lloyd Webber Foundation',
      43_891,
      44_256,
      7,
    ]);
    sheet.addRow([
      '360G-XL-2',
      'Theatre',
      'Youth theatre',
      'GBP',
      5000,
      43_800,
      'GB-CHC-1122334',
      'Youth Theatre Trust',
      'GB-CHC-1015648',
      'Andrew Lloyd Webber Foundation',
      '',
      '',
      'x',
    ]);
    sheet.getCell('F2').numFmt = 'dd/mm/yyyy';
    const file = join(dir, 'template.xlsx');
    await workbook.xlsx.writeFile(file);
    const report = await importFile('alwf', file);
    expect(report).toMatchObject({ format: 'xlsx', rowsRead: 2, created: 2, rejected: 0 });
    expect(report.notes.join(' ')).toMatch(/Instructions/);
    expect(report.notes.join(' ')).toMatch(/Internal code/);
    const one = await hub.request(keys.alwf ?? '', 'GET', '/v1/grants/alwf/360G-XL-1');
    expect(one.body.grant).toMatchObject({
      awardDate: '2020-11-03',
      plannedDates: [{ startDate: '2020-03-01', endDate: '2021-03-01' }],
      additionalData: { 'Internal code': 7 },
      themes: ['arts-culture', 'education'],
    });
    const two = await hub.request(keys.alwf ?? '', 'GET', '/v1/grants/alwf/360G-XL-2');
    expect(two.body.grant.awardDate).toBe('2019-12-01');
    expect(warningOf(report, 'date_converted')?.examples.map((e) => e.value)).toContain(43_800);
  });
});

describe('a flat file without titles (JSON paths as columns)', () => {
  it('imports like a titled one', async () => {
    const file = write(
      'flat.csv',
      [
        'id,title,description,currency,amountAwarded,awardDate,recipientOrganization/0/id,recipientOrganization/0/name,fundingOrganization/0/id,fundingOrganization/0/name,beneficiaryLocation/0/countryCode',
        `360G-FLAT-1,Dance,Dance classes,GBP,3000,2021-06-01,GB-CHC-1099887,Dance Works,${'GB-CHC-1015648'},Andrew Lloyd Webber Foundation,GB`,
      ].join('\n'),
    );
    const report = await importFile('alwf', file);
    expect(report).toMatchObject({ created: 1, rejected: 0 });
    const grant = await hub.request(keys.alwf ?? '', 'GET', '/v1/grants/alwf/360G-FLAT-1');
    expect(grant.body.grant).toMatchObject({
      recipientOrganization: [{ id: 'GB-CHC-1099887', name: 'Dance Works' }],
      regions: ['united-kingdom'],
      themes: ['arts-culture'],
    });
  });
});

describe('what spreadsheets leave in a CSV', () => {
  it('keeps a value under a column without a title, reads the first of a repeated title, and skips a row of commas', async () => {
    const file = write(
      'leftovers.csv',
      [
        'Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,Funding Org:Identifier,Funding Org:Name,Title,',
        `360G-LEFT-1,Choir,Choir for a school,GBP,2000,2021-06-01,GB-CHC-1099881,Choir Works,GB-CHC-1015648,Andrew Lloyd Webber Foundation,Old title,stray value`,
        ',,,,,,,,,,,',
        `360G-LEFT-2,Band,Band for a school,GBP,3000,2021-06-01,GB-CHC-1099882,Band Works,GB-CHC-1015648,Andrew Lloyd Webber Foundation,,`,
        // One cell more than the header: refused by line, and counted as a row read.
        `360G-LEFT-4,Harp,Harp,GBP,3000,2021-06-01,GB-CHC-1099884,Harp Works,GB-CHC-1015648,Andrew Lloyd Webber Foundation,,,extra`,
      ].join('\n'),
    );
    const report = await importFile('alwf', file);
    expect(report).toMatchObject({ rowsRead: 3, created: 2, rejected: 1 });
    expect(report.rejections).toMatchObject([{ row: 5, field: 'csv', code: 'unreadable_row' }]);
    expect(report.notes.join(' ')).toMatch(/column 12 has no title but holds values/);
    expect(report.notes.join(' ')).toMatch(/repeats "Title" \(column 11\)/);
    const one = await hub.request(keys.alwf ?? '', 'GET', '/v1/grants/alwf/360G-LEFT-1');
    expect(one.body.grant).toMatchObject({
      title: 'Choir',
      additionalData: { 'column 12': 'stray value', 'Title (column 11)': 'Old title' },
    });
  });

  it('keeps a spreadsheet cell right of the last title', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('grants');
    sheet.addRow(['Identifier', 'Title', 'Description', 'Currency', 'Amount Awarded', 'Award Date']);
    sheet.addRow(['360G-LEFT-3', 'Harp', 'A harp', 'GBP', 100, '2021-06-01']);
    sheet.getCell('H2').value = 'beside the table';
    sheet.getRow(1).getCell(7).value = 'Recipient Org:Identifier';
    sheet.getRow(1).getCell(9).value = 'Recipient Org:Name';
    sheet.getRow(1).getCell(10).value = 'Funding Org:Identifier';
    sheet.getRow(1).getCell(11).value = 'Funding Org:Name';
    sheet.getRow(2).getCell(7).value = 'GB-CHC-1099883';
    sheet.getRow(2).getCell(9).value = 'Harp Works';
    sheet.getRow(2).getCell(10).value = 'GB-CHC-1015648';
    sheet.getRow(2).getCell(11).value = 'Andrew Lloyd Webber Foundation';
    sheet.getRow(2).getCell(13).value = 'far right';
    const file = join(dir, 'leftovers.xlsx');
    await workbook.xlsx.writeFile(file);
    const report = await importFile('alwf', file);
    expect(report).toMatchObject({ rowsRead: 1, created: 1, rejected: 0 });
    const three = await hub.request(keys.alwf ?? '', 'GET', '/v1/grants/alwf/360G-LEFT-3');
    expect(three.body.grant.additionalData).toEqual({
      'column 8': 'beside the table',
      'column 13': 'far right',
    });
    expect(report.notes.join(' ')).toMatch(/column 8 has no title/);
    expect(report.notes.join(' ')).toMatch(/column 13 has no title/);
  });
});

describe('files that are not grants', () => {
  it('stops on a 360Giving metadata file, saying what it is, with nothing to resume', async () => {
    const report = await importFile(
      'abct',
      resolve(import.meta.dirname, '../../local/demo/360giving/datasets.json'),
    );
    expect(report.fatalKind).toBe('not-a-grants-file');
    expect(report.fatal).toMatch(/no grants: it is .*metadata/);
    expect(report.fatal).not.toMatch(/truncated/);
    expect(report.rowsRead).toBe(0);
  });

  it.each(['empty.json', 'empty.csv'])(
    'stops on a file of 0 bytes (%s), with nothing to resume',
    async (name) => {
      const report = await importFile('abct', write(name, ''));
      expect(report.fatalKind).toBe('not-a-grants-file');
      expect(report.fatal).toMatch(/empty/);
      expect(report.rowsRead).toBe(0);
    },
  );

  it('stops on a CSV with no 360Giving columns instead of refusing each row', async () => {
    const report = await importFile('abct', write('other.csv', 'Name,Amount\nSomebody,5\nElse,6\n'));
    expect(report.fatalKind).toBe('not-a-grants-file');
    expect(report.fatal).toMatch(/no 360Giving columns \(it has Name, Amount\)/);
    expect(report.rejections).toEqual([]);
  });
});

describe('processing status', () => {
  it('says how many grants are still being resolved, waits for them, and never answers 404 for a pending grant', async () => {
    const report = await importFile(
      'abct',
      resolve(import.meta.dirname, '../../local/demo/360giving/ab-charitable-trust.json'),
      {
        hub: { visibility: 'public' },
      },
    );
    expect(report).toMatchObject({ created: 783, rejected: 0 });
    // Straight after the import the stream has not finished: the grant exists and says it is pending.
    const first = await hub.request(keys.abct ?? '', 'GET', `/v1/uploads/${report.uploadId}`);
    expect(first.body.grants).toBe(783);
    expect(first.body.done).toBe(false);
    const last = '360G-ABCT-0065I000005BoDGQA044222';
    const early = await hub.request(keys.abct ?? '', 'GET', `/v1/grants/abct/${last}/organisations`);
    expect(early.status).toBe(200);
    expect(['pending', 'resolved']).toContain(early.body.status);
    const lines: string[] = [];
    const status = await followUpload(client('abct'), report.uploadId, {
      wait: true,
      timeoutSeconds: 600,
      pollMs: 500,
      log: (l) => lines.push(l),
    });
    expect(status).toMatchObject({ grants: 783, resolved: 783, rolledUp: 783, setAside: 0, done: true });
    const after = await hub.request(keys.abct ?? '', 'GET', `/v1/grants/abct/${last}/organisations`);
    expect(after.body).toMatchObject({ status: 'resolved', grantVersion: 1 });
    expect(after.body.items).toHaveLength(1);
  }, 700_000);
});
