// Streams grants out of a 360Giving JSON package or CSV file, one at a time, whatever the file's size.
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Transform } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import makeParser from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { rowToGrant } from '../../shared/threesixty/csv-columns.ts';

export type SourceFormat = 'json' | 'csv';

export interface SourceItem {
  /** Where the grant is in the file: JSON, its 1-based position in `grants`; CSV, its line (the header is line 1). */
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
}

export function detectFormat(path: string, explicit?: string): SourceFormat {
  if (explicit === 'json' || explicit === 'csv') return explicit;
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  throw new Error(`Cannot tell the format of ${path}: use --format json or --format csv.`);
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
  return {
    format,
    totalBytes,
    bytesRead: () => read,
    problems,
    items: format === 'json' ? jsonItems(bytes, problems) : csvItems(bytes, problems),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

async function* jsonItems(
  input: NodeJS.ReadableStream,
  problems: SourceProblem[],
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
  if (!seen)
    throw new Error('The file has no "grants" array (a 360Giving package looks like {"grants": [...]}).');
}

async function* csvItems(input: NodeJS.ReadableStream, problems: SourceProblem[]): AsyncIterable<SourceItem> {
  const parser = parseCsv({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
  });
  parser.on('skip', (error: Error & { lines?: number }) => {
    problems.push({ row: error.lines ?? 0, field: 'csv', reason: error.message });
  });
  input.on('error', (error: Error) => parser.destroy(error));
  input.pipe(parser);
  for await (const record of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    const { grant, extra } = rowToGrant(record.record);
    // Columns outside the standard become top-level extras; the importer keeps them in additionalData.
    yield { row: record.info.lines, grant: { ...extra, ...grant } };
  }
}
