// The real stream and queue handlers run over services whose DynamoDB client a test controls, and stream records
// delivered to a handler the way Lambda delivers them.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { getConfig } from '../../shared/config.ts';
import { createServices, getServices, type Services, setServicesForTests } from '../../shared/services.ts';

/** Runs `work` with the handlers' services replaced by `services`, then puts back the ones before. */
export async function withServices<T>(services: Services, work: () => Promise<T>): Promise<T> {
  const previous = getServices();
  setServicesForTests(services);
  try {
    return await work();
  } finally {
    setServicesForTests(previous);
  }
}

/** Runs `work` with the handlers' services on `client`: new services, nothing remembered from earlier ones. */
export function withClient<T>(client: DynamoDBClient, work: () => Promise<T>): Promise<T> {
  return withServices(createServices(getConfig(), client), work);
}

type StreamHandler = (
  event: DynamoDBStreamEvent,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

/**
 * Delivers records as Lambda does: a reported failure checkpoints before it and the batch is re-delivered from
 * there, until none fails (an error after `maxDeliveries`). Returns how many deliveries and reported failures.
 */
export async function deliverAsLambda(
  handler: StreamHandler,
  records: DynamoDBRecord[],
  maxDeliveries = 300,
) {
  let pending = records;
  const seen = { deliveries: 0, reported: 0 };
  while (pending.length > 0) {
    if (seen.deliveries >= maxDeliveries) {
      throw new Error(`records still failing after ${maxDeliveries} deliveries`);
    }
    seen.deliveries += 1;
    const response = await handler({ Records: pending } as DynamoDBStreamEvent);
    if (response.batchItemFailures.length === 0) break;
    seen.reported += response.batchItemFailures.length;
    const first = response.batchItemFailures[0]?.itemIdentifier;
    pending = pending.slice(pending.findIndex((r) => r.dynamodb?.SequenceNumber === first));
  }
  return seen;
}
