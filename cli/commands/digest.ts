// `cofund digest`: delivery status of digests, a run on demand, a preview and preferences, as terminal text.
import type { z } from 'zod';
import type { DigestPreferences, DigestRun, DigestViewSchema } from '../../schemas/digest.ts';

type DigestView = z.infer<typeof DigestViewSchema>;

export function formatRun(run: DigestRun): string {
  if (run.queued === 0) return `No member is due a digest at ${run.at} (everyone has digests off).`;
  const periods = Object.entries(run.periods)
    .map(([period, n]) => `${period}: ${n}`)
    .join(', ');
  return [
    `Queued ${run.queued} member digest(s) for ${run.at} (${periods}).`,
    'A member already sent a digest for the period gets nothing more; `cofund digest status` shows each delivery.',
  ].join('\n');
}

export function formatStatus(items: DigestView[]): string {
  if (items.length === 0) return 'No digests yet.';
  const rows = items.map((d) => {
    const counts = d.counts
      ? `${d.counts.grants} grants, ${d.counts.opportunities} asks, ${d.counts.pledges} pledges, ${d.counts.duplicates} duplicates, ${d.counts.gapChanges} gap changes`
      : '';
    const when = d.sentAt ?? d.updatedAt;
    return [
      `${d.period.padEnd(12)} ${`${d.funderId}/${d.memberId}`.padEnd(40)} ${d.status.padEnd(9)} attempts ${d.attempts}  ${when}`,
      ...(counts ? [`${' '.repeat(13)}${counts}`] : []),
      ...(d.lastError ? [`${' '.repeat(13)}last error: ${d.lastError}`] : []),
    ].join('\n');
  });
  return rows.join('\n');
}

export function formatPreferences(p: DigestPreferences): string {
  return [
    `frequency: ${p.frequency}`,
    `themes:    ${p.themes.length ? p.themes.join(', ') : 'all'}`,
    `regions:   ${p.regions.length ? p.regions.join(', ') : 'all'}`,
  ].join('\n');
}
