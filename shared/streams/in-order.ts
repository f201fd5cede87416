// A table-stream handler that keeps a batch in order. Lambda re-delivers a batch from its first reported failure
// (ReportBatchItemFailures), so once a record fails the records after it are reported without being processed:
// a later change never overtakes an earlier one, and no work is done twice for nothing.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterFailure, type SetAsideOptions } from './set-aside.ts';

/** Reported for a record left for the re-delivery because one before it in the batch failed. */
export class AwaitingEarlierRecord extends Error {
  override name = 'AwaitingEarlierRecord';
}

/**
 * With `setAside`, a record that keeps failing (not a passing fault) is set aside after its bounded attempts, and
 * the records after it go on; without it, every failure waits for Lambda's re-delivery.
 */
export function inOrderStreamHandler(
  processRecord: (record: DynamoDBRecord) => Promise<void>,
  setAside?: SetAsideOptions,
) {
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
          // Failed until it is set aside: if even the dead-letter write fails, the rest wait as before.
          failed = true;
          if (setAside && (await afterFailure(record, error, setAside)) === 'set-aside') {
            failed = false;
            return;
          }
          throw error;
        }
      },
      processor,
      // Every record failing is reported like any failure: Lambda retries from the first one either way.
      { processInParallel: false, throwOnFullBatchFailure: false },
    );
  };
}
