// Which table-stream records are grant changes the resolver must see; the CDK event filter and the local
// stream poller both use this, so AWS and the laptop resolve exactly the same records.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type StoredGrant, StoredGrantSchema } from '../../schemas/grant.ts';
import { unmarshallImage } from '../streams/stream-image.ts';

/** The stream filter, in Lambda event-filter syntax: only CURRENT grant items. */
export const GRANT_CHANGE_FILTER = {
  dynamodb: { NewImage: { entity: { S: ['grant'] }, SK: { S: ['CURRENT'] } } },
} as const;

export function grantOfStreamImage(image: Record<string, AttributeValue> | undefined): StoredGrant | null {
  if (image?.entity?.S !== 'grant' || image.SK?.S !== 'CURRENT') return null;
  return StoredGrantSchema.parse(unmarshallImage(image));
}
