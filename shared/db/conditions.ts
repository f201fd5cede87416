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

export async function withCondition<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) throw new ConditionFailedError(what);
    throw error;
  }
}
