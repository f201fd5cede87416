// The change feed digests read: one entry per new grant version, taken from the table stream so the
// grant write path stays as it is, and keyed by version so a re-delivered record adds nothing.
import type { FeedEntry } from '../../schemas/digest.ts';
import type { StoredGrant } from '../../schemas/grant.ts';

export function feedEntryOf(
  next: StoredGrant | null,
  previous: StoredGrant | null,
  recordedAt: string,
): FeedEntry | null {
  if (!next || next.version === previous?.version) return null;
  // A withdrawn grant keeps nothing of its own; its last content says what went.
  const record = next.record ?? previous?.record;
  if (!record) return null;
  const amount = typeof record.amountAwarded === 'number' ? record.amountAwarded : null;
  return {
    funderId: next.funderId,
    grantId: next.grantId,
    version: next.version,
    change: next.deleted ? 'withdrawn' : previous && !previous.deleted ? 'changed' : 'new',
    title: record.title,
    amount,
    currency: record.currency ?? null,
    recipient: record.recipientOrganization?.[0]?.name ?? null,
    awardDate: record.awardDate ? record.awardDate.slice(0, 10) : null,
    themes: record.themes,
    regions: record.regions,
    visibility: record.visibility,
    recordedAt,
  };
}
