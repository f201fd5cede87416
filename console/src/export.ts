// 360Giving export from the console: every page of GET /v1/exports for the current filters, joined into one
// file the browser saves. JSON pages join as one package; CSV pages share their header when their columns agree,
// and are re-flattened under the union of columns (csv-parse / csv-stringify, loaded only then) when not.
import { request } from './api.ts';

export interface ExportOptions {
  format: 'json' | 'csv';
  scope: 'visible' | 'public';
  filters: Record<string, string>;
  onProgress: (done: number) => void;
}

const PAGE = 1000;

export async function exportGrants(options: ExportOptions): Promise<{ blob: Blob; grants: number }> {
  const { format, scope, filters, onProgress } = options;
  let cursor: string | null = null;
  let grants = 0;
  const jsonPages: unknown[][] = [];
  const csvPages: string[] = [];
  do {
    const response = await request('GET', '/v1/exports', {
      query: { ...filters, format, scope, limit: PAGE, cursor },
    });
    if (format === 'json') {
      const page = (await response.json()) as { grants: unknown[]; nextCursor: string | null };
      jsonPages.push(page.grants);
      grants += page.grants.length;
      cursor = page.nextCursor;
    } else {
      const text = await response.text();
      csvPages.push(text);
      grants += countRows(text);
      cursor = response.headers.get('x-next-cursor');
    }
    onProgress(grants);
  } while (cursor);
  if (format === 'json') {
    const body = JSON.stringify({ grants: jsonPages.flat() }, null, 2);
    return { blob: new Blob([body], { type: 'application/json' }), grants };
  }
  return { blob: new Blob([await joinCsv(csvPages)], { type: 'text/csv' }), grants };
}

function countRows(csv: string): number {
  // Quoted fields may hold newlines, so rows are counted outside quotes.
  let rows = 0;
  let quoted = false;
  for (const ch of csv) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) rows++;
  }
  return Math.max(0, rows - 1);
}

async function joinCsv(pages: string[]): Promise<string> {
  const nonEmpty = pages.filter((p) => p.trim() !== '');
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? '';
  const header = (p: string) => p.slice(0, p.indexOf('\n'));
  const first = header(nonEmpty[0] ?? '');
  if (nonEmpty.every((p) => header(p) === first)) {
    return [nonEmpty[0], ...nonEmpty.slice(1).map((p) => p.slice(p.indexOf('\n') + 1))].join('');
  }
  const [{ parse }, { stringify }] = await Promise.all([
    import('csv-parse/browser/esm/sync'),
    import('csv-stringify/browser/esm/sync'),
  ]);
  const rows = nonEmpty.flatMap((p) => parse(p, { columns: true }) as Array<Record<string, string>>);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return stringify(rows, { header: true, columns });
}

export function saveFile(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
