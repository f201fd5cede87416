// Table stream -> change feed: one entry per new grant version, which digests read by day and visibility.
// Keyed by version, so a re-delivered record writes nothing; failed records are retried from the first one.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { feedEntryOf } from '../../shared/digests/change-feed.ts';
import { grantOfStreamImage } from '../../shared/organisations/grant-changes.ts';
import { getServices } from '../../shared/services.ts';
import { inOrderStreamHandler } from '../../shared/streams/in-order.ts';

type Image = Record<string, AttributeValue> | undefined;

async function recordChange(record: DynamoDBRecord): Promise<void> {
  if (record.eventName === 'REMOVE') return;
  // Lambda's stream image and the SDK's AttributeValue are the same JSON shape under two type names.
  const entry = feedEntryOf(
    grantOfStreamImage(record.dynamodb?.NewImage as Image),
    grantOfStreamImage(record.dynamodb?.OldImage as Image),
    new Date().toISOString(),
  );
  if (entry) await getServices().repos.digests.recordFeed(entry);
}

export const handler = inOrderStreamHandler(recordChange);
