// What each table-stream consumer does with one record. The Lambda handlers (functions/streams/*) run these in
// order with bounded retries; the operator's replay of a record set aside runs the same function once more.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { StreamConsumerName } from '../../schemas/dead-letter.ts';
import { feedEntryOf } from '../digests/change-feed.ts';
import type { DigestRepository } from '../digests/digest-repository.ts';
import type { GapRollup } from '../gaps/gap-rollup.ts';
import { mentionOfStreamImage } from '../gaps/mention-changes.ts';
import { logger } from '../logger.ts';
import { grantOfStreamImage } from '../organisations/grant-changes.ts';
import type { Resolver } from '../organisations/resolver.ts';

// Lambda's stream image and the SDK's AttributeValue are the same JSON shape under two type names.
type Image = Record<string, AttributeValue> | undefined;
const newImage = (r: DynamoDBRecord) => r.dynamodb?.NewImage as Image;
const oldImage = (r: DynamoDBRecord) => r.dynamodb?.OldImage as Image;

/**
 * The item as it was before a change: only context (was it new? what did it add?), so an image that no longer
 * parses (written before a fix, or by hand) does not stop the change itself from being processed.
 */
function previousOr<T>(read: (image: Image) => T | null, image: Image): T | null {
  try {
    return read(image);
  } catch (error) {
    logger.warn('stream record: the old image does not parse; processed as if there were none', {
      reason: error instanceof Error ? error.message.slice(0, 300) : String(error),
    });
    return null;
  }
}

export interface ConsumerDeps {
  resolver: Pick<Resolver, 'resolveGrant'>;
  gapRollup: Pick<GapRollup, 'apply'>;
  digests: Pick<DigestRepository, 'recordFeed'>;
}

export type RecordProcessor = (record: DynamoDBRecord) => Promise<void>;

export function streamProcessors(deps: () => ConsumerDeps): Record<StreamConsumerName, RecordProcessor> {
  return {
    /** Table stream -> organisation resolution of the grant's recipients. */
    'resolve-organisations': async (record) => {
      const grant = grantOfStreamImage(newImage(record));
      if (!grant) return;
      const results = await deps().resolver.resolveGrant(grant);
      for (const r of results) {
        if (r.outcome !== 'unchanged') logger.info('mention resolved', { ...r });
      }
    },
    /** Table stream -> gap rollup cells, from mention changes. */
    'roll-up-gaps': async (record) => {
      const next = record.eventName === 'REMOVE' ? null : mentionOfStreamImage(newImage(record));
      const previous = previousOr(mentionOfStreamImage, oldImage(record));
      if (!next && !previous) return;
      await deps().gapRollup.apply({ next, previous });
    },
    /** Table stream -> change feed: one entry per new grant version, keyed by version (re-delivery adds nothing). */
    'record-changes': async (record) => {
      if (record.eventName === 'REMOVE') return;
      const entry = feedEntryOf(
        grantOfStreamImage(newImage(record)),
        previousOr(grantOfStreamImage, oldImage(record)),
        new Date().toISOString(),
      );
      if (entry) await deps().digests.recordFeed(entry);
    },
  };
}
