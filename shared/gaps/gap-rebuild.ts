// Rebuilds the gap cells under today's rules (noise, FX rates, what counts) from the mentions themselves: for
// cells rolled up by an older version. Each mention's applied contribution is moved to what it contributes
// now, conditionally on its applied state (gap-rollup.ts `refresh`), so the rebuild runs while the hub serves and
// the stream writes, can be stopped at any point and run again, and a second run changes nothing.
import type { MentionScanPage } from '../organisations/resolution-repository.ts';
import type { GapRollup, RefreshOutcome } from './gap-rollup.ts';

export interface RebuildProgress {
  /** Items read by the scan (mentions and everything else). */
  scanned: number;
  mentions: number;
  refreshed: number;
  unchanged: number;
  /** Not applied yet, or changed since: the stream applies them under the same rules. */
  skipped: number;
  /** Mentions that could not be refreshed, and items that are not valid mentions. */
  failed: number;
}

export interface RebuildReport extends RebuildProgress {
  /** The first failures, as "key: reason" (all are counted in `failed`). */
  failures: string[];
}

const MAX_FAILURES_SHOWN = 20;

export async function rebuildGapCells(deps: {
  scan: (segment: number, totalSegments: number) => AsyncIterable<MentionScanPage>;
  rollup: Pick<GapRollup, 'refresh'>;
  /** Parallel scan segments (each with its own page loop). */
  segments?: number;
  /** Mentions of one page refreshed at once. */
  concurrency?: number;
  onProgress?: (progress: RebuildProgress) => void;
}): Promise<RebuildReport> {
  const segments = deps.segments ?? 4;
  const concurrency = deps.concurrency ?? 8;
  const report: RebuildReport = {
    scanned: 0,
    mentions: 0,
    refreshed: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    failures: [],
  };
  const fail = (key: string, reason: string) => {
    report.failed += 1;
    if (report.failures.length < MAX_FAILURES_SHOWN) report.failures.push(`${key}: ${reason}`);
  };
  const count: Record<RefreshOutcome, () => void> = {
    refreshed: () => {
      report.refreshed += 1;
    },
    unchanged: () => {
      report.unchanged += 1;
    },
    skipped: () => {
      report.skipped += 1;
    },
  };

  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const page of deps.scan(segment, segments)) {
        report.scanned += page.scanned;
        for (const bad of page.invalid) fail(bad.key, `not a valid mention (${bad.error.slice(0, 200)})`);
        for (let i = 0; i < page.mentions.length; i += concurrency) {
          await Promise.all(
            page.mentions.slice(i, i + concurrency).map(async (mention) => {
              report.mentions += 1;
              try {
                count[await deps.rollup.refresh(mention)]();
              } catch (error) {
                fail(mention.mentionId, error instanceof Error ? error.message : String(error));
              }
            }),
          );
        }
        deps.onProgress?.({ ...report });
      }
    }),
  );
  return report;
}
