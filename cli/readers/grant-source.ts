// Streams grants out of a 360Giving JSON package, CSV file or .xlsx spreadsheet, one at a time, whatever the
// file's size. Columns are the standard's titles ("Recipient Org:Identifier") or, in a flat file without titles,
// its JSON paths ("recipientOrganization/0/id").
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import ExcelJS from 'exceljs';
import makeParser from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { parseColumn, rowToGrant } from '../../shared/threesixty/csv-columns.ts';

export type SourceFormat = 'json' | 'csv' | 'xlsx';

export interface SourceItem {
  /**
   * Where the grant is in the file: JSON, its 1-based position in `grants`; CSV, its line (the header is line 1);
   * a spreadsheet, its row number on its sheet.
   */
  row: number;
  grant: Record<string, unknown>;
}

/** A row the reader itself could not make into a grant (a broken CSV line). */
export interface SourceProblem {
  row: number;
  field: string;
  reason: string;
}

export interface GrantSource {
  format: SourceFormat;
  totalBytes: number;
  bytesRead(): number;
  items: AsyncIterable<SourceItem>;
  /** Rows skipped by the reader, filled while `items` is consumed. */
  problems: SourceProblem[];
  /** What the reader noticed about the file as a whole (sheets skipped, columns it does not know). */
  notes: string[];
}

/** The file is readable but is not a grants file of a form the importer knows: nothing was imported. */
export class SourceShapeError extends Error {
  override name = 'SourceShapeError';
}

export function detectFormat(path: string, explicit?: string): SourceFormat {
  if (explicit === 'json' || explicit === 'csv' || explicit === 'xlsx') return explicit;
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.xls' || ext === '.ods') {
    throw new SourceShapeError(
      `${path} is an ${ext} spreadsheet: save it as .xlsx (or CSV) and import that; the hub reads .xlsx, CSV and JSON.`,
    );
  }
  throw new Error(`Cannot tell the format of ${path}: use --format json, csv or xlsx.`);
}

export function openGrantSource(path: string, format: SourceFormat): GrantSource {
  const totalBytes = statSync(path).size;
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      done(null, chunk);
    },
  });
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  file.on('error', (error) => counter.destroy(error));
  const bytes = file.pipe(counter);
  const problems: SourceProblem[] = [];
  const notes: string[] = [];
  const items: AsyncIterable<SourceItem> =
    totalBytes === 0
      ? {
          [Symbol.asyncIterator]: () => ({
            next: () =>
              Promise.reject(new SourceShapeError('The file is empty (0 bytes): it holds no grants.')),
          }),
        }
      : format === 'json'
        ? jsonItems(bytes, problems, path)
        : format === 'csv'
          ? csvItems(bytes, problems, notes)
          : xlsxItems(bytes, notes);
  return { format, totalBytes, bytesRead: () => read, problems, notes, items };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a JSON file without a `grants` array holds instead, from its start, for the error message. */
function describeJson(path: string): string {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(Math.min(statSync(path).size, 1_048_576));
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  try {
    const value: unknown = JSON.parse(head.toString('utf8'));
    if (Array.isArray(value)) {
      const first = value[0];
      const keys = isRecord(first) ? Object.keys(first).slice(0, 8).join(', ') : typeof first;
      return `a JSON list (its first entry has ${keys})${isRecord(first) && 'publisher' in first ? ': 360Giving registry metadata, not grants' : ''}`;
    }
    if (isRecord(value)) {
      const keys = Object.keys(value);
      return `a JSON object with ${keys.length ? `the keys ${keys.slice(0, 8).join(', ')}` : 'no keys'}${
        keys.some((k) => ['publisher', 'distribution', 'license', 'datasets'].includes(k))
          ? ': 360Giving metadata, not grants'
          : ''
      }`;
    }
    return `a single JSON ${typeof value}`;
  } catch {
    return 'JSON without a "grants" array';
  }
}

async function* jsonItems(
  input: NodeJS.ReadableStream,
  problems: SourceProblem[],
  path: string,
): AsyncIterable<SourceItem> {
  const parser = makeParser();
  const pick = Pick.make({ filter: 'grants' });
  const array = StreamArray.make();
  // .pipe() does not forward errors: a truncated file must fail the iteration, not hang it.
  const fail = (error: Error) => array.destroy(error);
  input.on('error', fail);
  parser.on('error', fail);
  pick.on('error', fail);
  input.pipe(parser).pipe(pick).pipe(array);
  let row = 0;
  let seen = false;
  for await (const entry of array as AsyncIterable<{ key: number; value: unknown }>) {
    row = entry.key + 1;
    seen = true;
    if (!isRecord(entry.value)) {
      problems.push({ row, field: `grants.${entry.key}`, reason: 'is not a JSON object' });
      continue;
    }
    yield { row, grant: entry.value };
  }
  if (!seen) {
    throw new SourceShapeError(
      `The file has no grants: it is ${describeJson(path)}. A 360Giving grants file is a package like {"grants": [...]}.`,
    );
  }
}

/**
 * Names every column so no value is lost: a column without a title is "column N" (1-based), and a title used twice
 * keeps its first column, the later ones "<title> (column N)", outside the standard, kept in additionalData.
 */
function nameColumns(
  titles: string[],
  where: string,
  notes: string[],
  untitled: Set<string>,
  firstColumn = 1,
): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  const names = titles.map((raw, index) => {
    const i = index + firstColumn - 1;
    const title = raw.trim();
    if (title === '') {
      untitled.add(`column ${i + 1}`);
      return `column ${i + 1}`;
    }
    if (!seen.has(title)) {
      seen.add(title);
      return title;
    }
    repeated.push(`"${title}" (column ${i + 1})`);
    return `${title} (column ${i + 1})`;
  });
  if (repeated.length > 0) {
    notes.push(
      `${where} repeats ${repeated.slice(0, 5).join(', ')}${repeated.length > 5 ? ', ...' : ''}: the first column of each title is read as it, the others kept in additionalData`,
    );
  }
  return names;
}

/** Notes, once per column, a column without a title whose values were kept (in additionalData, as "column N"). */
function noteUntitled(record: Record<string, unknown>, untitled: Set<string>, notes: string[]) {
  for (const name of untitled) {
    const value = record[name];
    if (value === undefined || value === null || String(value).trim() === '') continue;
    untitled.delete(name);
    notes.push(`${name} has no title but holds values: they are kept in additionalData as "${name}"`);
  }
}

/** Refuses a header that names no column of the standard, or no Identifier: every row would be refused. */
function checkHeader(columns: string[], where: string, notes: string[]) {
  const known = columns.filter((c) => parseColumn(c) !== null);
  if (known.length === 0) {
    throw new SourceShapeError(
      `${where} has no 360Giving columns (it has ${columns.slice(0, 6).join(', ') || 'none'}${columns.length > 6 ? ', ...' : ''}). ` +
        'Columns are the standard\'s titles ("Identifier", "Title", "Amount Awarded", "Recipient Org:Identifier") ' +
        'or its field paths ("id", "title", "recipientOrganization/0/id").',
    );
  }
  if (!columns.some((c) => parseColumn(c)?.path.join('.') === 'id')) {
    throw new SourceShapeError(
      `${where} has no Identifier (id) column: every grant needs its own identifier.`,
    );
  }
  const unknown = columns.filter((c) => c.trim() !== '' && parseColumn(c) === null);
  if (unknown.length > 0) {
    notes.push(
      `${unknown.length} column(s) outside the standard kept in additionalData: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}`,
    );
  }
}

async function* csvItems(
  input: NodeJS.ReadableStream,
  problems: SourceProblem[],
  notes: string[],
): AsyncIterable<SourceItem> {
  let checked = false;
  const untitled = new Set<string>();
  const parser = parseCsv({
    columns: (header: string[]) => {
      checkHeader(header, 'The first line', notes);
      checked = true;
      return nameColumns(header, 'The first line', notes, untitled);
    },
    bom: true,
    skip_empty_lines: true,
    // A row of separators only (",,,,", as spreadsheets save blank rows) is blank, not a grant.
    skip_records_with_empty_values: true,
    skip_records_with_error: true,
    info: true,
  });
  parser.on('skip', (error: Error & { lines?: number }) => {
    problems.push({ row: error.lines ?? 0, field: 'csv', reason: error.message });
  });
  input.on('error', (error: Error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const record of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      if (untitled.size > 0) noteUntitled(record.record, untitled, notes);
      const { grant, extra } = rowToGrant(record.record);
      // Columns outside the standard become top-level extras; the importer keeps them in additionalData.
      yield { row: record.info.lines, grant: { ...extra, ...grant } };
    }
  } catch (error) {
    // csv-parse wraps what the header check threw.
    const cause = error instanceof Error && 'cause' in error ? error.cause : undefined;
    if (cause instanceof SourceShapeError) throw cause;
    if (error instanceof SourceShapeError) throw error;
    throw error;
  }
  if (!checked) throw new SourceShapeError('The file is empty: it has no header line and no grants.');
}

/** A spreadsheet cell as a plain value: rich text and hyperlinks as their text, formulas as their result. */
function plainCell(value: ExcelJS.CellValue): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date || typeof value !== 'object') return value;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value && 'hyperlink' in value) return plainCell(value.text as ExcelJS.CellValue);
  if ('result' in value) return plainCell(value.result as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return String(value);
}

/** The 360Giving template's grants sheet: the first sheet whose header row (among its first 10) names columns of the standard. */
async function* xlsxItems(input: NodeJS.ReadableStream, notes: string[]): AsyncIterable<SourceItem> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(
    input as unknown as import('node:stream').Readable,
    {
      worksheets: 'emit',
      sharedStrings: 'cache',
      // Styles say which numeric cells are dates.
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'emit',
    },
  );
  let found = false;
  const skipped: string[] = [];
  for await (const sheet of workbook) {
    const name = (sheet as unknown as { name?: string }).name ?? 'a sheet';
    if (found) {
      skipped.push(name);
      for await (const _ of sheet) void _;
      continue;
    }
    let header: string[] | null = null;
    const untitled = new Set<string>();
    let looked = 0;
    for await (const row of sheet) {
      const cells = (row.values as ExcelJS.CellValue[]).map(plainCell);
      if (!header) {
        looked += 1;
        const titles = cells.map((c) => (c === undefined ? '' : String(c).trim()));
        if (titles.filter((t) => t && parseColumn(t)).length >= 2) {
          checkHeader(
            titles.filter((t) => t !== ''),
            `The header row of sheet "${name}"`,
            notes,
          );
          // row.values is 1-based (its first entry is no column): column A is index 1.
          header = nameColumns(titles, `The header row of sheet "${name}"`, notes, untitled, 0);
          // The empty first entry of row.values is no column.
          untitled.delete('column 0');
        } else if (looked >= 10) break;
        continue;
      }
      const record: Record<string, unknown> = {};
      // Column A is index 1; a cell right of the last title is a column without one.
      for (let i = 1; i < Math.max(header.length, cells.length); i++) {
        const cell = cells[i];
        if (cell === undefined || (typeof cell === 'string' && cell.trim() === '')) continue;
        let title = header[i];
        if (title === undefined) {
          title = `column ${i}`;
          header[i] = title;
          untitled.add(title);
        }
        record[title] = cell;
      }
      if (Object.keys(record).length === 0) continue;
      if (untitled.size > 0) noteUntitled(record, untitled, notes);
      const { grant, extra } = rowToGrant(record);
      yield { row: row.number, grant: { ...extra, ...grant } };
    }
    if (header) found = true;
    else skipped.push(name);
  }
  if (!found) {
    throw new SourceShapeError(
      `No sheet of the spreadsheet has a header row of 360Giving columns (sheets: ${skipped.join(', ') || 'none'}).`,
    );
  }
  if (skipped.length > 0) notes.push(`sheets without grants, not read: ${skipped.join(', ')}`);
}
