// Table stream -> gap rollups. Records are processed in order; a failed record is reported so Lambda retries
// from it (ReportBatchItemFailures) and later records of the batch wait their turn.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mentionOfStreamImage } from '../../shared/gaps/mention-changes.ts';
import { getServices } from '../../shared/services.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

type Image = Record<string, AttributeValue> | undefined;

async function rollUpRecord(record: DynamoDBRecord): Promise<void> {
  // Lambda's stream image and the SDK's AttributeValue are the same JSON shape under two type names.
  const next =
    record.eventName === 'REMOVE' ? null : mentionOfStreamImage(record.dynamodb?.NewImage as Image);
  const previous = mentionOfStreamImage(record.dynamodb?.OldImage as Image);
  if (!next && !previous) return;
  await getServices().gapRollup.apply({ next, previous });
}

export const handler = async (event: DynamoDBStreamEvent) =>
  processPartialResponse(event, rollUpRecord, processor, {
    processInParallel: false,
    throwOnFullBatchFailure: false,
  });
