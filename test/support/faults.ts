// Faults injected into a real client talking to DynamoDB Local, shaped like the errors DynamoDB returns.
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { getConfig } from '../../shared/config.ts';
import { DYNAMODB_MAX_ATTEMPTS } from '../../shared/db/client.ts';
import { seededRandom } from '../../tools/seeded-random.ts';

/**
 * The SDK's own retry loop with 1 ms between attempts and no retry quota: which errors are retried and how many
 * attempts a call gets are as in the hub, but a test can throttle half of all calls and still end in seconds
 * (the SDK's real backoff for throttling starts at 500 ms).
 */
function quickRetries(maxAttempts: number): NonNullable<DynamoDBClientConfig['retryStrategy']> {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 1 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous, info) => {
      const next = previous.getRetryCount() + 1;
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      if (!retryable || next >= maxAttempts) throw info.error;
      return token(next);
    },
    recordSuccess: () => {},
  };
}

/**
 * A client of the test's DynamoDB Local; `decide` may return an error to throw instead of sending a call. It is
 * asked before every attempt, the SDK's retries included, with the command's name and its input (attribute
 * values in DynamoDB's own JSON, as sent).
 */
export function faultyClient(
  maxAttempts: number,
  decide: (command: string, input: Record<string, unknown>) => Error | null,
): DynamoDBClient {
  const config = getConfig();
  const client = new DynamoDBClient({
    region: config.AWS_REGION,
    endpoint: config.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
    retryStrategy: quickRetries(maxAttempts),
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = decide(String(context.commandName), (args.input ?? {}) as Record<string, unknown>);
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

/** The shares of calls the fault suites throttle: some, half, and every call (an outage). */
export const THROTTLE_RATES = [
  ['10%', 0.1],
  ['50%', 0.5],
  ['100%', 1],
] as const;

/**
 * A client with the hub's number of attempts per call whose every attempt is throttled with the probability
 * `rate()` returns (read at each attempt, so a test can end an outage); counts what it threw.
 */
export function throttlingClient(rate: () => number, seed = 42) {
  const random = seededRandom(seed);
  const injected = { calls: 0, throttled: 0 };
  const client = faultyClient(DYNAMODB_MAX_ATTEMPTS, () => {
    injected.calls += 1;
    if (random() >= rate()) return null;
    injected.throttled += 1;
    return throttled();
  });
  return { client, injected };
}

/** What a call meets once its process has died: it never reaches DynamoDB. */
export class ProcessDied extends Error {
  override name = 'ProcessDied';
}

/**
 * A client that makes its first `calls` calls and then none, as if the process died there: whatever the code
 * does after that point never reaches the table. A write whose answer was lost to the crash is the same as one
 * made just before it.
 */
export function crashingClient(calls: number) {
  const made = { calls: 0 };
  const client = faultyClient(1, () => {
    if (made.calls >= calls) return new ProcessDied(`the process died after ${calls} calls`);
    made.calls += 1;
    return null;
  });
  return { client, made };
}
