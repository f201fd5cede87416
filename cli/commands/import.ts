// `cofund import <file>`: streams a 360Giving file into the hub in concurrent batches, resumable and idempotent.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { BatchUpsertResponseSchema, MAX_BATCH_GRANTS } from '../../schemas/grant.ts';
import { MeSchema } from '../../schemas/tenancy.ts';
import type { DateOrder } from '../../shared/threesixty/dates.ts';
import { normaliseGrant } from '../../shared/threesixty/normalise.ts';
import { fromPublishedGrant, type HubFields } from '../../shared/threesixty/published.ts';
import { FileQuality, qualityFindings } from '../../shared/threesixty/quality.ts';
import { standardProblems, valueAt } from '../../shared/threesixty/validate.ts';
import { type ApiClient, ApiError } from '../api-client.ts';
import {
  type DateOrderDecision,
  decideDateOrder,
  type Survey,
  surveyedId,
  surveyFile,
} from '../import/survey.ts';
import { type WarningGroup, WarningTally } from '../import/warnings.ts';
import { detectFormat, openGrantSource, type SourceItem, SourceShapeError } from '../readers/grant-source.ts';

export interface ImportOptions {
  file: string;
  format?: string;
  client: ApiClient;
  apiUrl: string;
  hub: HubFields;
  batchSize?: number;
  concurrency?: number;
  reportPath?: string;
  statePath?: string;
  /** Start over even if an interrupted run of the same file left a checkpoint. */
  restart?: boolean;
  progress?: boolean;
  log?: (line: string) => void;
  /** Stop reading after this many batches were sent (tests use it to simulate an interruption). */
  stopAfterBatches?: number;
  /** How to read numeric dates such as 05/03/2014 when the file itself does not settle it. */
  dateOrder?: DateOrder;
  /** The day quality checks take as today (YYYY-MM-DD); tests pin it. */
  today?: string;
}

/** One refused field of one row: a row with three bad fields has three, and counts once in `rejected`. */
export interface Rejection {
  row: number;
  id: string | null;
  field: string;
  /** The value as the file had it (or as sent, when the hub refused it), as text. */
  value?: string | undefined;
  reason: string;
  code: string;
}

export interface ImportReport {
  file: string;
  format: string;
  funderId: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** The upload id the hub filed these grants under (GET /v1/uploads/{uploadId}). */
  uploadId: string;
  rowsRead: number;
  /** Rows, each counted once: created + updated + unchanged + rejected (+ skippedAlreadyImported) = rowsRead. */
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** How numeric dates were read. */
  dateOrder: DateOrderDecision;
  /** Conversions and data quality findings, per check: counts and examples. */
  warnings: { total: number; groups: WarningGroup[] };
  /** What the reader noticed about the file (columns outside the standard, sheets not read). */
  notes: string[];
  /** Rows an interrupted earlier run had already imported, not sent again. */
  skippedAlreadyImported: number;
  resumed: boolean;
  complete: boolean;
  fatal?: string;
  /** not-a-grants-file: nothing to resume, fix the file; otherwise running the command again resumes. */
  fatalKind?: 'not-a-grants-file' | 'unreadable' | 'stopped';
  rejections: Rejection[];
  peakRssMiB: number;
}

const StateSchema = z.object({
  fingerprint: z.string(),
  uploadId: z.string().optional(),
  doneBatches: z.array(z.number().int()),
});
const MAX_ITEM_ATTEMPTS = 10;

/** Binds a checkpoint to the file's content and size, the hub, the funder and the import options. */
function fingerprintOf(
  file: string,
  funderId: string,
  apiUrl: string,
  hub: HubFields,
  batchSize: number,
): string {
  const { size, mtimeMs } = statSync(file);
  const head = Buffer.alloc(Math.min(size, 65_536));
  const fd = openSync(file, 'r');
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  return createHash('sha256')
    .update(JSON.stringify({ size, mtimeMs, funderId, apiUrl, hub, batchSize }))
    .update(head)
    .digest('hex');
}

export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  // 99 grants and the audit event fill one 100-action transaction: one write call per batch.
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH_GRANTS - 1, MAX_BATCH_GRANTS);
  const concurrency = options.concurrency ?? 4;
  const format = detectFormat(options.file, options.format);
  const me = await options.client.json(MeSchema, 'GET', '/v1/me');
  const funderId = me.principal.funderId;
  const statePath = options.statePath ?? `${options.file}.cofund-import-state.json`;
  const fingerprint = fingerprintOf(options.file, funderId, options.apiUrl, options.hub, batchSize);

  const done = new Set<number>();
  let resumed = false;
  // A resumed run continues the interrupted run's upload, so its processing status covers the whole file.
  let uploadId = `imp-${randomBytes(9).toString('base64url')}`;
  if (!options.restart && existsSync(statePath)) {
    const state = StateSchema.safeParse(JSON.parse(readFileSync(statePath, 'utf8')));
    if (state.success && state.data.fingerprint === fingerprint) {
      for (const b of state.data.doneBatches) done.add(b);
      if (state.data.uploadId) uploadId = state.data.uploadId;
      resumed = done.size > 0;
      if (resumed)
        log(`Resuming: ${done.size} batches of this file were already imported by an interrupted run.`);
    }
  }
  const saveState = () => {
    const tmp = `${statePath}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ fingerprint, uploadId, doneBatches: [...done].sort((a, b) => a - b) }),
    );
    renameSync(tmp, statePath);
  };

  // First pass: what only the whole file can say (date order, repeated ids, the file's date).
  let survey: Survey;
  try {
    survey = await surveyFile(options.file, format);
  } catch (error) {
    return fatalReport(options, format, funderId, uploadId, started, error);
  }
  const dateOrder = decideDateOrder(survey, options.dateOrder);
  const quality = {
    today: options.today ?? new Date().toISOString().slice(0, 10),
    fileDate: survey.fileDate,
  };
  const fileQuality = new FileQuality();
  const warnings = new WarningTally();

  const report: ImportReport = {
    ...newReport(options.file, format, funderId, uploadId, started),
    dateOrder,
    resumed,
  };

  /** Rows refused: counted once each, however many of their fields were refused. */
  const rejectedRows = new Set<number>();
  const reject = (r: Rejection) => {
    if (!rejectedRows.has(r.row)) {
      rejectedRows.add(r.row);
      report.rejected += 1;
    }
    report.rejections.push(r);
  };

  const source = openGrantSource(options.file, format);
  const runId = randomBytes(6).toString('hex');
  const bar =
    options.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format:
              'importing |{bar}| {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted} | new {created} changed {updated} same {unchanged} rejected {rejected}',
            stream: process.stderr,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let peakRss = process.memoryUsage().rss;
  const tick = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const settled = report.created + report.updated + report.unchanged + report.rejected;
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    bar?.update(source.bytesRead(), {
      rows: report.rowsRead,
      rate: Math.round(settled / seconds),
      created: report.created,
      updated: report.updated,
      unchanged: report.unchanged,
      rejected: report.rejected,
    });
  };
  bar?.start(Math.max(1, source.totalBytes), 0, {
    rows: 0,
    rate: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
  });
  const ticker = setInterval(tick, 200);

  /**
   * One row made ready to send: converted to the standard's forms (every conversion a warning), checked for
   * quality, or refused here (a value that cannot be converted, an id an earlier row used) without a request.
   */
  function prepare(item: SourceItem): ReadyItem | null {
    const rawId = typeof item.grant.id === 'string' ? item.grant.id : null;
    const id = surveyedId(item.grant.id);
    const first = id === null ? undefined : survey.firstRowOf.get(id);
    if (first !== undefined && first !== item.row) {
      warnings.quality(item.row, id, [{ code: 'duplicate_id_in_file', field: 'id', value: id }]);
      reject({
        row: item.row,
        id,
        field: 'id',
        value: rawId ?? undefined,
        reason: `repeats the id of row ${first}: one grant, one row (the first is imported)`,
        code: 'duplicate_id_in_file',
      });
      return null;
    }
    const normalised = normaliseGrant(item.grant, { dateOrder: dateOrder.order });
    warnings.conversions(item.row, id, normalised.conversions);
    if (normalised.errors.length > 0) {
      for (const e of normalised.errors)
        reject({ row: item.row, id, field: e.field, value: shown(e.value), reason: e.message, code: e.code });
      // The row is not sent, so the hub cannot name its other problems: the standard's verdict on the rest.
      const named = new Set(normalised.errors.map((e) => e.field));
      for (const p of standardProblems(normalised.grant)) {
        if (named.has(p.field) || [...named].some((f) => f.startsWith(`${p.field}.`))) continue;
        reject({
          row: item.row,
          id,
          field: p.field,
          value: shown(p.value),
          reason: p.message,
          code: 'validation_failed',
        });
      }
      return null;
    }
    warnings.quality(item.row, id, [
      ...qualityFindings(normalised.grant, quality),
      ...fileQuality.observe(normalised.grant),
    ]);
    const sent = fromPublishedGrant(normalised.grant, options.hub);
    const converted = new Map(normalised.conversions.map((c) => [c.field, c.value]));
    return {
      row: item.row,
      sent,
      // What the file had at a field, for a refusal's value: the written value where the importer converted it.
      original: (field) => (converted.has(field) ? converted.get(field) : valueAt(normalised.grant, field)),
    };
  }

  /** Sends one batch until every grant in it is settled; busy grants are re-sent with backoff. */
  async function sendBatch(batchIndex: number, items: ReadyItem[]) {
    let pending = items.map((item) => ({ ...item, attempts: 0 }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await sleep(Math.random() * Math.min(5000, 100 * 2 ** round));
      const body = { uploadId, grants: pending.map((p) => p.sent) };
      let response: z.infer<typeof BatchUpsertResponseSchema>;
      try {
        response = await options.client.json(BatchUpsertResponseSchema, 'POST', '/v1/grants/batch', {
          body,
          headers: { 'idempotency-key': `import-${runId}-${batchIndex}-${round}` },
        });
      } catch (error) {
        if (error instanceof ApiError && error.status === 413 && pending.length > 1) {
          // Too big together: send the halves on their own.
          const half = Math.ceil(pending.length / 2);
          await sendBatch(batchIndex, pending.slice(0, half));
          await sendBatch(batchIndex, pending.slice(half));
          return;
        }
        if (error instanceof ApiError && error.status === 413) {
          const only = pending[0];
          if (only)
            reject({
              row: only.row,
              id: idOf(only.sent),
              field: 'body',
              reason: error.message,
              code: error.code,
            });
          return;
        }
        throw error;
      }
      const retry: typeof pending = [];
      for (const result of response.results) {
        const item = pending[result.index];
        if (!item) continue;
        if (
          result.outcome === 'rejected' &&
          result.code === 'temporarily_unavailable' &&
          item.attempts + 1 < MAX_ITEM_ATTEMPTS
        ) {
          retry.push({ ...item, attempts: item.attempts + 1 });
        } else if (result.outcome === 'rejected') {
          for (const e of result.errors ?? [{ field: `grants.${result.index}`, message: 'rejected' }]) {
            // The API names fields inside the batch ("grants.7.awardDate"); the file only knows the row.
            const field = e.field.replace(/^grants\.\d+\.?/, '') || '(grant)';
            reject({
              row: item.row,
              id: result.id,
              field,
              value: e.value ?? shown(item.original(field)),
              reason: e.message,
              code: result.code ?? 'rejected',
            });
          }
        } else if (
          result.outcome === 'created' ||
          result.outcome === 'updated' ||
          result.outcome === 'unchanged'
        ) {
          report[result.outcome] += 1;
          if (result.outcome === 'updated') {
            warnings.quality(item.row, result.id, [
              { code: 'replaced_in_hub', field: 'id', value: `${result.id} (now version ${result.version})` },
            ]);
          }
          for (const w of result.warnings ?? []) {
            const field = w.field.replace(/^grants\.\d+\.?/, '');
            warnings.fromHub(
              item.row,
              result.id,
              'funding_organisation_unverified',
              field,
              w.value,
              w.message,
            );
          }
        }
      }
      pending = retry;
    }
  }

  const inFlight = new Set<Promise<void>>();
  let batch: ReadyItem[] = [];
  let batchIndex = 0;
  let sent = 0;
  let failure: unknown;
  const flush = async () => {
    const index = batchIndex++;
    const items = batch;
    batch = [];
    if (done.has(index)) {
      report.skippedAlreadyImported += items.length;
      return;
    }
    sent += 1;
    const task = sendBatch(index, items)
      .then(() => {
        done.add(index);
        saveState();
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  try {
    try {
      for await (const item of source.items) {
        report.rowsRead += 1;
        const ready = prepare(item);
        if (!ready) continue;
        batch.push(ready);
        if (batch.length >= batchSize) await flush();
        if (failure) break;
        if (options.stopAfterBatches !== undefined && sent >= options.stopAfterBatches) {
          throw new InterruptedError(`stopped after ${sent} batches (simulated interruption)`);
        }
      }
    } catch (error) {
      if (error instanceof InterruptedError || error instanceof SourceShapeError) throw error;
      // The rows read before the damage are whole grants: they still land.
      if (batch.length > 0 && !failure) await flush();
      await Promise.allSettled(inFlight);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Reading ${options.file} stopped after row ${report.rowsRead} (byte ${source.bytesRead()} of ${source.totalBytes}): ${reason}. ` +
          `Is the file truncated or not valid ${format.toUpperCase()}? Rows before it were imported.`,
      );
    }
    if (batch.length > 0 && !failure) await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
    report.complete = true;
  } catch (error) {
    await Promise.allSettled(inFlight);
    report.fatal = error instanceof Error ? error.message : String(error);
    report.fatalKind = error instanceof SourceShapeError ? 'not-a-grants-file' : 'stopped';
  } finally {
    clearInterval(ticker);
    tick();
    bar?.stop();
  }
  // A row the reader could not make a grant of (a CSV line with more cells than the header) was read, and refused.
  for (const problem of source.problems) {
    if (!rejectedRows.has(problem.row)) report.rowsRead += 1;
    reject({ ...problem, id: null, code: 'unreadable_row' });
  }
  report.rejections.sort((a, b) => a.row - b.row);
  report.notes = source.notes;
  report.warnings = { total: warnings.total, groups: warnings.list() };
  if (report.complete) rmSync(statePath, { force: true });
  report.finishedAt = new Date().toISOString();
  report.seconds = (Date.now() - started) / 1000;
  report.peakRssMiB = Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576);
  if (options.reportPath) writeFileSync(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

class InterruptedError extends Error {}

interface ReadyItem {
  row: number;
  /** The grant as sent to the hub. */
  sent: Record<string, unknown>;
  original(field: string): unknown;
}

function idOf(grant: Record<string, unknown>): string | null {
  return typeof grant.id === 'string' ? grant.id : null;
}

/** A value as the report shows it: text, objects as JSON, at most 200 characters. */
function shown(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** A report before any row: every count zero. */
function newReport(
  file: string,
  format: string,
  funderId: string,
  uploadId: string,
  started: number,
): ImportReport {
  return {
    file,
    format,
    funderId,
    uploadId,
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    seconds: 0,
    dateOrder: { order: undefined, because: 'not read' },
    warnings: { total: 0, groups: [] },
    notes: [],
    rowsRead: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    skippedAlreadyImported: 0,
    resumed: false,
    complete: false,
    rejections: [],
    peakRssMiB: 0,
  };
}

/** A file the importer could not read as grants at all: nothing was sent, and nothing is left to resume. */
function fatalReport(
  options: ImportOptions,
  format: string,
  funderId: string,
  uploadId: string,
  started: number,
  error: unknown,
): ImportReport {
  const report: ImportReport = {
    ...newReport(options.file, format, funderId, uploadId, started),
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    fatal: error instanceof Error ? error.message : String(error),
    fatalKind: error instanceof SourceShapeError ? 'not-a-grants-file' : 'unreadable',
    peakRssMiB: Math.round(process.memoryUsage().rss / 1048576),
  };

  if (options.reportPath) writeFileSync(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** What `cofund import` prints: rows (each counted once), how dates were read, warnings per check, rejections. */
export function formatImportSummary(report: ImportReport): string[] {
  const lines: string[] = [];
  const already = report.skippedAlreadyImported
    ? `, ${report.skippedAlreadyImported} already imported by the interrupted run`
    : '';
  lines.push(
    `${report.rowsRead} rows read in ${report.seconds.toFixed(1)} s: ${report.created} created, ${report.updated} updated, ` +
      `${report.unchanged} unchanged, ${report.rejected} rejected${already}`,
  );
  if (report.fatal) return lines;
  if (report.complete && report.created + report.updated === 0 && report.rejected === 0)
    lines.push('Nothing changed: the hub already had every grant in this file.');
  lines.push(`Dates: ${report.dateOrder.because}.`);
  for (const note of report.notes) lines.push(`Note: ${note}.`);
  if (report.warnings.total > 0) {
    lines.push(`${report.warnings.total} warnings (the report lists examples of each):`);
    for (const g of report.warnings.groups) {
      const first = g.examples[0];
      const example = first
        ? ` e.g. row ${first.row} ${first.field}${first.value === null || first.value === undefined ? '' : ` ${JSON.stringify(first.value).slice(0, 60)}`}${g.kind === 'conversion' ? `: ${first.message}` : ''}`
        : '';
      lines.push(`  ${String(g.rows).padStart(6)} ${g.rows === 1 ? 'row ' : 'rows'}  ${g.heading}${example}`);
    }
  }
  if (report.rejections.length > 0) {
    lines.push(
      `Rejected rows (${report.rejected}; ${report.rejections.length} ${report.rejections.length === 1 ? 'problem' : 'problems'}):`,
    );
    for (const r of report.rejections.slice(0, 20)) {
      const value = r.value === undefined ? '' : ` ${JSON.stringify(r.value)}`;
      lines.push(`  row ${r.row}${r.id ? ` (${r.id})` : ''}: ${r.field}${value} ${r.reason}`);
    }
    if (report.rejections.length > 20)
      lines.push(`  ... and ${report.rejections.length - 20} more in the report`);
  }
  return lines;
}
