// Faults injected into a real client talking to DynamoDB Local, shaped like the errors DynamoDB returns.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getConfig } from '../../shared/config.ts';

/** A client of the test's DynamoDB Local; `decide` may return an error to throw instead of sending a call. */
export function faultyClient(maxAttempts: number, decide: (command: string) => Error | null): DynamoDBClient {
  const config = getConfig();
  const client = new DynamoDBClient({
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = decide(String(context.commandName));
      if (fault) throw fault;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'injectFaults' },
  );
  return client;
}

export const throttled = () =>
  Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

export const transactionConflict = () =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: [{ Code: 'TransactionConflict' }],
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
