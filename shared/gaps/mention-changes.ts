// Which table-stream records are mention changes the gap rollups must see; the CDK event filter and the local
// stream poller both use this, so AWS and the laptop roll up exactly the same records.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type StoredMention, StoredMentionSchema } from '../../schemas/organisation.ts';
import { MENTION_RECORD_PREFIX } from '../db/keys.ts';
import { unmarshallImage } from '../streams/stream-image.ts';

/** The stream filter, in Lambda event-filter syntax: inserts, changes and removals of mention items. */
export const MENTION_CHANGE_FILTER = {
  dynamodb: { Keys: { PK: { S: [{ prefix: 'MENTION#' }] }, SK: { S: [{ prefix: MENTION_RECORD_PREFIX }] } } },
} as const;

export function mentionOfStreamImage(
  image: Record<string, AttributeValue> | undefined,
): StoredMention | null {
  if (image?.entity?.S !== 'mention') return null;
  return StoredMentionSchema.parse(unmarshallImage(image));
}
