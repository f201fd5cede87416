// Table stream -> organisation resolution. Records are processed in order; a failed record is reported so
// Lambda retries from it (ReportBatchItemFailures) and later records of the batch wait their turn.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.ts';
import { grantOfStreamImage } from '../../shared/organisations/grant-changes.ts';
import { getServices } from '../../shared/services.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function resolveRecord(record: DynamoDBRecord): Promise<void> {
  // Lambda's stream image and the SDK's AttributeValue are the same JSON shape under two type names.
  const grant = grantOfStreamImage(record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined);
  if (!grant) return;
  const results = await getServices().resolver.resolveGrant(grant);
  for (const r of results) {
    if (r.outcome !== 'unchanged') logger.info('mention resolved', { ...r });
  }
}

export const handler = async (event: DynamoDBStreamEvent) =>
  processPartialResponse(event, resolveRecord, processor, {
    processInParallel: false,
    // Every record failing is reported like any failure: Lambda retries from the first one either way.
    throwOnFullBatchFailure: false,
  });
