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
import { fromPublishedGrant, type HubFields } from '../../shared/threesixty/published.ts';
import { type ApiClient, ApiError } from '../api-client.ts';
import { detectFormat, openGrantSource, type SourceItem } from '../readers/grant-source.ts';

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
}

export interface Rejection {
  row: number;
  id: string | null;
  field: string;
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
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rows an interrupted earlier run had already imported, not sent again. */
  skippedAlreadyImported: number;
  resumed: boolean;
  complete: boolean;
  fatal?: string;
  rejections: Rejection[];
  peakRssMiB: number;
}

const StateSchema = z.object({ fingerprint: z.string(), doneBatches: z.array(z.number().int()) });
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
  if (!options.restart && existsSync(statePath)) {
    const state = StateSchema.safeParse(JSON.parse(readFileSync(statePath, 'utf8')));
    if (state.success && state.data.fingerprint === fingerprint) {
      for (const b of state.data.doneBatches) done.add(b);
      resumed = done.size > 0;
      if (resumed)
        log(`Resuming: ${done.size} batches of this file were already imported by an interrupted run.`);
    }
  }
  const saveState = () => {
    const tmp = `${statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ fingerprint, doneBatches: [...done].sort((a, b) => a - b) }));
    renameSync(tmp, statePath);
  };

  const report: ImportReport = {
    file: options.file,
    format,
    funderId,
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    seconds: 0,
    rowsRead: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    skippedAlreadyImported: 0,
    resumed,
    complete: false,
    rejections: [],
    peakRssMiB: 0,
  };
  const reject = (r: Rejection) => {
    report.rejected += 1;
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

  /** Sends one batch until every grant in it is settled; busy grants are re-sent with backoff. */
  async function sendBatch(batchIndex: number, items: SourceItem[]) {
    let pending = items.map((item) => ({ ...item, attempts: 0 }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await sleep(Math.random() * Math.min(5000, 100 * 2 ** round));
      const body = { grants: pending.map((p) => fromPublishedGrant(p.grant, options.hub)) };
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
              id: idOf(only.grant),
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
            reject({
              row: item.row,
              id: result.id,
              // The API names fields inside the batch ("grants.7.awardDate"); the file only knows the row.
              field: e.field.replace(/^grants\.\d+\.?/, '') || '(grant)',
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
        }
      }
      pending = retry;
    }
  }

  const inFlight = new Set<Promise<void>>();
  let batch: SourceItem[] = [];
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
        batch.push(item);
        if (batch.length >= batchSize) await flush();
        if (failure) break;
        if (options.stopAfterBatches !== undefined && sent >= options.stopAfterBatches) {
          throw new InterruptedError(`stopped after ${sent} batches (simulated interruption)`);
        }
      }
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
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
  } finally {
    clearInterval(ticker);
    tick();
    bar?.stop();
  }
  for (const problem of source.problems) reject({ ...problem, id: null, code: 'unreadable_row' });
  report.rejections.sort((a, b) => a.row - b.row);
  if (report.complete) rmSync(statePath, { force: true });
  report.finishedAt = new Date().toISOString();
  report.seconds = (Date.now() - started) / 1000;
  report.peakRssMiB = Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576);
  if (options.reportPath) writeFileSync(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

class InterruptedError extends Error {}

function idOf(grant: Record<string, unknown>): string | null {
  return typeof grant.id === 'string' ? grant.id : null;
}
