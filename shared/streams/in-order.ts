// A table-stream handler that keeps a batch in order. Lambda re-delivers a batch from its first reported failure
// (ReportBatchItemFailures), so once a record fails the records after it are reported without being processed:
// a later change never overtakes an earlier one, and no work is done twice for nothing.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/** Reported for a record left for the re-delivery because one before it in the batch failed. */
export class AwaitingEarlierRecord extends Error {
  override name = 'AwaitingEarlierRecord';
}

export function inOrderStreamHandler(processRecord: (record: DynamoDBRecord) => Promise<void>) {
  return async (event: DynamoDBStreamEvent) => {
    // One processor per invocation: it holds the batch's records and failures.
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    let failed = false;
    return processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        if (failed) throw new AwaitingEarlierRecord('an earlier record of this batch failed');
        try {
          await processRecord(record);
        } catch (error) {
          failed = true;
          throw error;
        }
      },
      processor,
      // Every record failing is reported like any failure: Lambda retries from the first one either way.
      { processInParallel: false, throwOnFullBatchFailure: false },
    );
  };
}
