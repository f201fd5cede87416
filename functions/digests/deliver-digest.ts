// Digest queue (SQS) -> one member's digest for one period. A failed send is reported for that message only
// (ReportBatchItemFailures), retried by SQS, and parked in the dead-letter queue after the last attempt, where
// its record already says `failed`.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DigestMessageSchema } from '../../schemas/digest.ts';
import { getServices } from '../../shared/services.ts';

const processor = new BatchProcessor(EventType.SQS);

async function deliver(record: SQSRecord): Promise<void> {
  const message = DigestMessageSchema.parse(JSON.parse(record.body));
  await getServices().digests.deliver(message, {
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1'),
  });
}

export const handler = async (event: SQSEvent) =>
  processPartialResponse(event, deliver, processor, { throwOnFullBatchFailure: false });
