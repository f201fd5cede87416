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
      const previous = mentionOfStreamImage(oldImage(record));
      if (!next && !previous) return;
      await deps().gapRollup.apply({ next, previous });
    },
    /** Table stream -> change feed: one entry per new grant version, keyed by version (re-delivery adds nothing). */
    'record-changes': async (record) => {
      if (record.eventName === 'REMOVE') return;
      const entry = feedEntryOf(
        grantOfStreamImage(newImage(record)),
        grantOfStreamImage(oldImage(record)),
        new Date().toISOString(),
      );
      if (entry) await deps().digests.recordFeed(entry);
    },
  };
}
