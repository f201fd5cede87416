// Table stream -> gap rollups. Records are processed in order; a failed record is reported so Lambda retries
// from it (ReportBatchItemFailures) and later records of the batch wait their turn.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mentionOfStreamImage } from '../../shared/gaps/mention-changes.ts';
import { getServices } from '../../shared/services.ts';
import { inOrderStreamHandler } from '../../shared/streams/in-order.ts';

type Image = Record<string, AttributeValue> | undefined;

async function rollUpRecord(record: DynamoDBRecord): Promise<void> {
  // Lambda's stream image and the SDK's AttributeValue are the same JSON shape under two type names.
  const next =
    record.eventName === 'REMOVE' ? null : mentionOfStreamImage(record.dynamodb?.NewImage as Image);
  const previous = mentionOfStreamImage(record.dynamodb?.OldImage as Image);
  if (!next && !previous) return;
  await getServices().gapRollup.apply({ next, previous });
}

export const handler = inOrderStreamHandler(rollUpRecord);
