// Turns DynamoDB's condition failures into one named error repositories can throw and services can map.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** A conditional write lost: the item exists, is gone, or changed since it was read. */
export class ConditionFailedError extends Error {
  constructor(readonly what: string) {
    super(`condition failed: ${what}`);
    this.name = 'ConditionFailedError';
  }
}

export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return false;
}

/** Runs a create-if-absent write; false (instead of an error) when the item already existed. */
export async function createdUnlessExists(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

export async function withCondition<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) throw new ConditionFailedError(what);
    throw error;
  }
}

const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'TransactionConflictException',
  'UnprocessedItemsError',
]);

/** Errors worth re-sending later, as opposed to bugs, which must surface as a 500. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_ERRORS.has(error.name)) return true;
  // A transaction cancelled only because of conflicts or throttling (not a failed condition) is transient too.
  if (
    error.name === 'TransactionCanceledException' &&
    'CancellationReasons' in error &&
    Array.isArray(error.CancellationReasons)
  ) {
    const codes = error.CancellationReasons.map((r: { Code?: string }) => r.Code ?? 'None');
    return codes.every(
      (c: string) =>
        c === 'None' ||
        c === 'TransactionConflict' ||
        c === 'ThrottlingError' ||
        c === 'ProvisionedThroughputExceeded',
    );
  }
  return false;
}
