// The item operations repositories repeat: read one item through its schema, create one only if absent, and
// read many by key with DynamoDB's unprocessed keys retried.
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { withCondition } from './conditions.ts';
import type { ItemKey } from './keys.ts';

export async function getItem<T extends z.ZodType>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  schema: T,
  consistent = false,
): Promise<z.infer<T> | null> {
  const out = await doc.send(
    new GetCommand({ TableName: tableName, Key: key, ...(consistent ? { ConsistentRead: true } : {}) }),
  );
  return out.Item ? schema.parse(out.Item) : null;
}

/** Throws ConditionFailedError (and writes nothing) when an item with that key already exists. */
export async function putIfAbsent(
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: ItemKey & Record<string, unknown>,
  what: string,
): Promise<void> {
  await withCondition(`${what} exists`, () =>
    doc.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
    ),
  );
}

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
export const MAX_UNPROCESSED_RETRIES = 8;

/** DynamoDB kept returning some keys or items unprocessed: the table is throttling; retry later. */
export class UnprocessedItemsError extends Error {
  constructor(readonly count: number) {
    super(`${count} items stayed unprocessed after ${MAX_UNPROCESSED_RETRIES} retries`);
    this.name = 'UnprocessedItemsError';
  }
}

/** Exponential backoff with full jitter, capped at 2 s. */
export async function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2000, 25 * 2 ** attempt);
  await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/**
 * Every item found for `keys` (BatchGetItem in chunks of 100; unprocessed keys retried with backoff), in no
 * particular order. `onConsumed` receives the capacity units each call used.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: ItemKey[],
  options: {
    consistentRead?: boolean;
    onConsumed?: (units: number) => void;
    /** Only these attributes (the keys PK and SK are always included). */
    attributes?: string[];
  } = {},
): Promise<Array<Record<string, NativeAttributeValue>>> {
  const projection = options.attributes
    ? {
        ProjectionExpression: ['PK', 'SK', ...options.attributes].map((_, i) => `#p${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(
          ['PK', 'SK', ...options.attributes].map((name, i) => [`#p${i}`, name]),
        ),
      }
    : {};
  const found: Array<Record<string, NativeAttributeValue>> = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
    let pending: Array<Record<string, NativeAttributeValue>> = keys.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > MAX_UNPROCESSED_RETRIES) throw new UnprocessedItemsError(pending.length);
        await backoff(attempt);
      }
      const out = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ConsistentRead: options.consistentRead ?? false, ...projection },
          },
          ...(options.onConsumed ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
        }),
      );
      for (const c of out.ConsumedCapacity ?? []) options.onConsumed?.(c.CapacityUnits ?? 0);
      found.push(...(out.Responses?.[tableName] ?? []));
      pending = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}

/** Every item a query matches, page after page (for partitions known to be small). */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Array<Record<string, NativeAttributeValue>>> {
  const items: Array<Record<string, NativeAttributeValue>> = [];
  let startKey: Record<string, NativeAttributeValue> | undefined;
  do {
    const out = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
