// `cofund export`: pages through GET /v1/exports into one 360Giving JSON package or CSV file.
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'csv-stringify';
import { ExportPageSchema } from '../../schemas/export.ts';
import { grantToRow } from '../../shared/threesixty/csv-columns.ts';
import type { ApiClient } from '../api-client.ts';

export interface ExportOptions {
  client: ApiClient;
  out: string;
  format: 'json' | 'csv';
  scope: 'visible' | 'public';
  filters: Record<string, string | undefined>;
  pageSize?: number;
  log?: (line: string) => void;
}

export interface ExportResult {
  file: string;
  grants: number;
  invalid: Array<{ id: string; errors: Array<{ field: string; message: string }> }>;
  schema: string;
}

async function write(stream: NodeJS.WritableStream, chunk: string) {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function close(stream: NodeJS.WritableStream & { close?: () => void }) {
  stream.end();
  await once(stream, 'finish');
}

/** Every page of the export, in order, until the API says there is no more. */
async function* pages(options: ExportOptions) {
  let cursor: string | undefined;
  do {
    const params = new URLSearchParams({
      format: 'json',
      scope: options.scope,
      limit: String(options.pageSize ?? 1000),
    });
    for (const [k, v] of Object.entries(options.filters)) if (v !== undefined) params.set(k, v);
    if (cursor) params.set('cursor', cursor);
    const page = await options.client.json(ExportPageSchema, 'GET', `/v1/exports?${params}`);
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export async function runExport(options: ExportOptions): Promise<ExportResult> {
  const log = options.log ?? (() => undefined);
  const result: ExportResult = { file: options.out, grants: 0, invalid: [], schema: '' };
  if (options.format === 'json') {
    const out = createWriteStream(options.out);
    await write(out, '{\n  "grants": [');
    for await (const page of pages(options)) {
      for (const grant of page.grants) {
        await write(out, `${result.grants === 0 ? '\n' : ',\n'}    ${JSON.stringify(grant)}`);
        result.grants += 1;
      }
      result.invalid.push(...page.validation.invalid);
      result.schema = page.validation.schema;
      log(`  ${result.grants} grants exported`);
    }
    await write(out, '\n  ]\n}\n');
    await close(out);
    return result;
  }

  // CSV needs every column before the first row: collect rows in a temporary file, then write.
  const dir = mkdtempSync(join(tmpdir(), 'cofund-export-'));
  try {
    const rowsFile = join(dir, 'rows.ndjson');
    const rows = createWriteStream(rowsFile);
    const columns = new Set<string>();
    for await (const page of pages(options)) {
      for (const grant of page.grants) {
        const row = grantToRow(grant);
        for (const column of Object.keys(row)) columns.add(column);
        await write(rows, `${JSON.stringify(row)}\n`);
        result.grants += 1;
      }
      result.invalid.push(...page.validation.invalid);
      result.schema = page.validation.schema;
      log(`  ${result.grants} grants exported`);
    }
    await close(rows);
    const out = createWriteStream(options.out);
    const csv = stringify({ header: true, columns: [...columns] });
    csv.pipe(out);
    for await (const line of createInterface({
      input: createReadStream(rowsFile),
      crlfDelay: Number.POSITIVE_INFINITY,
    })) {
      if (line && !csv.write(JSON.parse(line))) await once(csv, 'drain');
    }
    csv.end();
    await once(out, 'finish');
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
