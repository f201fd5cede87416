// 360Giving in and out through the CLI's import and export against the local gateway: lossless, idempotent,
// resumable, row-by-row reports for broken files, and exports of exactly what the caller may see.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../cli/api-client.ts';
import { runExport } from '../../cli/commands/export.ts';
import { runImport } from '../../cli/commands/import.ts';
import { validateGrant } from '../../shared/threesixty/validate.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, type World } from '../support/world.ts';

const REAL_FILES = ['ab-charitable-trust.json', 'andrew-lloyd-webber-foundation.json'].map((f) =>
  resolve('local/demo/360giving', f),
);
const dir = mkdtempSync(join(tmpdir(), 'cofund-io-'));
let hub: TestHub;
let world: World;

const principalOf = (funder: string, role: string) => {
  const principal = world.principals[funder]?.[role];
  if (!principal) throw new Error(`no principal ${funder}/${role}`);
  return principal;
};
const clientFor = (funder: string, role = 'editor') =>
  createApiClient({ baseUrl: hub.url, apiKey: world.keys[funder]?.[role] ?? '', maxAttempts: 3 });
const importAs = (funder: string, file: string, extra: Partial<Parameters<typeof runImport>[0]> = {}) =>
  runImport({
    file,
    client: clientFor(funder),
    apiUrl: hub.url,
    hub: { visibility: 'hub' },
    progress: false,
    ...extra,
  });
const exportAs = (
  funder: string,
  out: string,
  options: { format?: 'json' | 'csv'; scope?: 'visible' | 'public'; filters?: Record<string, string> } = {},
) =>
  runExport({
    client: clientFor(funder, 'viewer'),
    out,
    format: options.format ?? 'json',
    scope: options.scope ?? 'visible',
    filters: options.filters ?? {},
  });
const grantsOf = (file: string): Array<Record<string, unknown>> =>
  JSON.parse(readFileSync(file, 'utf8')).grants;

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
});
afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the two real 360Giving files', () => {
  it('import with zero rejections and come back from export field for field, valid against the official schema', async () => {
    const source = REAL_FILES.flatMap(grantsOf);
    for (const file of REAL_FILES) {
      const report = await importAs('osf', file);
      expect(report.rejections).toEqual([]);
      expect(report.complete).toBe(true);
    }
    const out = join(dir, 'round-trip.json');
    const exported = await exportAs('osf', out, { filters: { funder: 'osf' } });
    expect(exported.grants).toBe(source.length);
    expect(exported.invalid).toEqual([]);
    const back = new Map(grantsOf(out).map((g) => [g.id, g]));
    for (const original of source) {
      expect(back.get(original.id), String(original.id)).toEqual(original);
      expect(validateGrant(back.get(original.id))).toEqual([]);
    }
  });

  it('re-importing the same file changes nothing and says so', async () => {
    const before = await hub.snapshot();
    const report = await importAs('osf', REAL_FILES[0] ?? '');
    expect(report).toMatchObject({ created: 0, updated: 0, unchanged: 783, rejected: 0, complete: true });
    expect(await hub.snapshot()).toEqual(before);
  });
});

describe('a corrupted copy of a real file', () => {
  it('reports each bad row by row and field, lands the valid rows, and stops at the truncation', async () => {
    const grants = grantsOf(REAL_FILES[1] ?? '');
    grants[0] = { ...grants[0], amountAwarded: 'fifteen thousand' };
    const { id: _dropped, ...noId } = grants[1] ?? {};
    grants[1] = noId;
    grants[2] = { ...grants[2], awardDate: '2020-13-45' };
    grants[3] = { ...grants[3], currency: 'POUNDS' };
    grants[4] = { ...grants[4], amountAwarded: { value: 10 } };
    // Read, not refused: an amount with a thousands separator, and a returned grant (the standard allows it).
    grants[5] = { ...grants[5], amountAwarded: '15,000' };
    grants[6] = { ...grants[6], amountAwarded: -10 };
    const text = JSON.stringify({ grants });
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, text.slice(0, Math.floor(text.length * 0.5)));
    const report = await importAs('macarthur', file, { reportPath: join(dir, 'corrupt-report.json') });
    expect(report.rejections.map((r) => [r.row, r.field])).toEqual([
      [1, 'amountAwarded'],
      [2, 'id'],
      [3, 'awardDate'],
      [4, 'currency'],
      [5, 'amountAwarded'],
    ]);
    expect(report.rejections.map((r) => r.value)).toEqual([
      'fifteen thousand',
      undefined,
      '2020-13-45',
      'POUNDS',
      '{"value":10}',
    ]);
    const converted = report.warnings.groups.find((g) => g.code === 'number_converted');
    expect(converted?.examples).toEqual([
      expect.objectContaining({ row: 6, field: 'amountAwarded', value: '15,000', message: 'read as 15000' }),
    ]);
    expect(report.warnings.groups.find((g) => g.code === 'negative_amount')?.examples[0]).toMatchObject({
      row: 7,
      value: -10,
    });
    expect(report.fatal).toMatch(/truncated or not valid JSON/);
    expect(report.complete).toBe(false);
    expect(report.created).toBe(report.rowsRead - 5);
    expect(report.created).toBeGreaterThan(100);
    const written = JSON.parse(readFileSync(join(dir, 'corrupt-report.json'), 'utf8'));
    expect(written.rejected).toBe(5);
    const count = await hub.request(
      world.keys.macarthur?.viewer ?? '',
      'GET',
      '/v1/grants/count?funder=macarthur',
    );
    expect(count.body.count).toBe(report.created);
  });
});

describe('an interrupted import', () => {
  it('resumes where it stopped and ends equal to a single clean run', async () => {
    const file = REAL_FILES[1] ?? '';
    const statePath = join(dir, 'resume-state.json');
    const first = await importAs('nef', file, {
      statePath,
      batchSize: 50,
      concurrency: 1,
      stopAfterBatches: 3,
    });
    expect(first.complete).toBe(false);
    expect(existsSync(statePath)).toBe(true);
    const second = await importAs('nef', file, { statePath, batchSize: 50, concurrency: 1 });
    expect(second.resumed).toBe(true);
    expect(second.complete).toBe(true);
    expect(second.skippedAlreadyImported).toBeGreaterThanOrEqual(150);
    expect(first.created + second.created).toBe(475);
    expect(existsSync(statePath)).toBe(false);
    const history = await hub.request(
      world.keys.nef?.viewer ?? '',
      'GET',
      `/v1/grants/nef/${grantsOf(file)[0]?.id}/versions`,
    );
    expect(history.body.items).toHaveLength(1);
  });
});

describe('CSV', () => {
  it('reads the standard’s column titles, keeps other columns, and names bad cells', async () => {
    const file = join(dir, 'grants.csv');
    writeFileSync(
      file,
      [
        'Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,Funding Org:Identifier,Funding Org:Name,Beneficiary Location:0:Name,Beneficiary Location:1:Name,Grant Programme:Title,Internal Ref',
        '360G-X-1,Detention monitoring,Core support,EUR,120000,2015-06-01,XI-EXAMPLE-1,PICUM,360G-EPIM-FUND-DET,EPIM,Belgium,Greece,Detention,A-17',
        '360G-X-2,"Legal aid, Lesbos","Lawyers, interpreters",EUR,not a number,2016-02-15,XI-EXAMPLE-2,HIAS Greece,360G-EPIM-FUND-DET,EPIM,Greece,,Detention,A-18',
        '360G-X-3,Broken row,only,three',
      ].join('\n'),
    );
    const report = await importAs('epim-detention', file, { hub: { visibility: 'collaborative:epim' } });
    expect(report.created).toBe(1);
    // CSV rows are reported by line: the header is line 1.
    expect(report.rejections.map((r) => [r.row, r.field])).toEqual([
      [3, 'amountAwarded'],
      [4, 'csv'],
    ]);
    const grant = await hub.request(
      world.keys.osf?.viewer ?? '',
      'GET',
      '/v1/grants/epim-detention/360G-X-1',
    );
    expect(grant.body.grant).toMatchObject({
      amountAwarded: 120000,
      beneficiaryLocation: [{ name: 'Belgium' }, { name: 'Greece' }],
      additionalData: { 'Internal Ref': 'A-17' },
      visibility: 'collaborative:epim',
    });
  });

  it('exports CSV that imports back to the same standard fields', async () => {
    const out = join(dir, 'alwf.csv');
    const exported = await exportAs('osf', out, { format: 'csv', filters: { funder: 'osf' } });
    expect(exported.grants).toBeGreaterThan(1000);
    const report = await importAs('macarthur', out, { restart: true });
    expect(report.rejections).toEqual([]);
    const original = grantsOf(REAL_FILES[1] ?? '')[10] ?? {};
    const copy = await hub.request(
      world.keys.macarthur?.viewer ?? '',
      'GET',
      `/v1/grants/macarthur/${original.id}`,
    );
    for (const field of [
      'title',
      'description',
      'currency',
      'amountAwarded',
      'awardDate',
      'recipientOrganization',
      'fundingOrganization',
      'beneficiaryLocation',
      'grantProgramme',
      'plannedDates',
    ]) {
      expect(copy.body.grant[field], field).toEqual(original[field]);
    }
  });
});

describe('exports', () => {
  it('neutralise formula cells in CSV (OWASP), and an import reads them back as written', async () => {
    const title = '=HYPERLINK("http://evil.example/","Open")';
    const name = '@SUM(1+1) Community Trust';
    const put = await hub.request(world.keys.osf?.editor ?? '', 'PUT', '/v1/grants/osf/formula-1', {
      ...grantBody('formula-1'),
      title,
      description: '-1 for the formula',
      recipientOrganization: [{ id: 'GB-CHC-9990001', name }],
      visibility: 'hub',
    });
    expect(put.status, put.text.slice(0, 300)).toBe(201);
    const out = join(dir, 'formula.csv');
    await exportAs('osf', out, { format: 'csv', filters: { funder: 'osf', recipient: 'GB-CHC-9990001' } });
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/"",""Open"")"`);
    expect(text).toContain(`'@SUM(1+1) Community Trust`);
    // No cell of the file starts a formula.
    const cells = parse(text, { relax_column_count: true }) as string[][];
    expect(cells.flat().filter((c) => /^[=+\-@\t\r]/.test(c) && Number.isNaN(Number(c)))).toEqual([]);
    const report = await importAs('macarthur', out, { restart: true });
    expect(report.rejections).toEqual([]);
    const copy = await hub.request(
      world.keys.macarthur?.viewer ?? '',
      'GET',
      '/v1/grants/macarthur/formula-1',
    );
    expect(copy.body.grant).toMatchObject({
      title,
      description: '-1 for the formula',
      recipientOrganization: [{ name }],
    });
  });

  it('export exactly what the caller may see, and only public grants as open data', async () => {
    await hub.services.grants.put(
      { principal: principalOf('macarthur', 'editor') },
      'macarthur',
      'secret-1',
      grantBody('secret-1', {
        title: 'macarthur private secret title',
        fundingOrganization: [{ id: 'US-EIN-237093598', name: 'MacArthur' }],
        visibility: 'private',
      }),
    );
    const visible = join(dir, 'nef-visible.json');
    await exportAs('nef', visible);
    expect(readFileSync(visible, 'utf8')).not.toContain('macarthur private secret title');
    const open = join(dir, 'open.json');
    await exportAs('macarthur', open, { scope: 'public', filters: { funder: 'macarthur' } });
    expect(grantsOf(open)).toEqual([]);
    const audit = await hub.request(world.keys.nef?.admin ?? '', 'GET', '/v1/audit?limit=100');
    expect(audit.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'grant.export', actorFunderId: 'nef' })]),
    );
  });

  it('refuses a public export that asks for another visibility', async () => {
    const res = await hub.request(
      world.keys.osf?.viewer ?? '',
      'GET',
      '/v1/exports?scope=public&visibility=private',
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('query.visibility');
  });

  it('serves a CSV page with the next cursor in a header', async () => {
    const res = await hub.request(
      world.keys.osf?.viewer ?? '',
      'GET',
      '/v1/exports?format=csv&limit=5&funder=osf',
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.text.split('\n')[0]).toContain('Identifier,Title,Description');
    expect(res.headers.get('x-next-cursor')).toBeTruthy();
  });
});
