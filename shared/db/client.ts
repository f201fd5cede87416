// The one DynamoDB client per process, pointed at DynamoDB Local when DYNAMODB_ENDPOINT is set.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.ts';
import { observe } from './observe.ts';

/** Attempts per DynamoDB call, the first included: the SDK retries throttling and transient errors. */
export const DYNAMODB_MAX_ATTEMPTS = 5;

export function createDynamoClient(config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>): DynamoDBClient {
  return observe(
    new DynamoDBClient({
      region: config.AWS_REGION,
      maxAttempts: DYNAMODB_MAX_ATTEMPTS,
      ...(config.DYNAMODB_ENDPOINT
        ? {
            endpoint: config.DYNAMODB_ENDPOINT,
            // DynamoDB Local accepts any credentials; these keep the SDK from searching for real ones.
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {}),
    }),
  );
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
