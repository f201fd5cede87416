// Table stream -> organisation resolution. Records are processed in order; a failed record is reported so
// Lambda retries from it (ReportBatchItemFailures) and later records of the batch wait their turn.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { logger } from '../../shared/logger.ts';
import { grantOfStreamImage } from '../../shared/organisations/grant-changes.ts';
import { getServices } from '../../shared/services.ts';
import { inOrderStreamHandler } from '../../shared/streams/in-order.ts';

async function resolveRecord(record: DynamoDBRecord): Promise<void> {
  // Lambda's stream image and the SDK's AttributeValue are the same JSON shape under two type names.
  const grant = grantOfStreamImage(record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined);
  if (!grant) return;
  const results = await getServices().resolver.resolveGrant(grant);
  for (const r of results) {
    if (r.outcome !== 'unchanged') logger.info('mention resolved', { ...r });
  }
}

export const handler = inOrderStreamHandler(resolveRecord);
