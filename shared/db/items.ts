// The two item operations every repository repeats: read one item through its schema, create one only if absent.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { withCondition } from './conditions.ts';
import type { ItemKey } from './keys.ts';

export async function getItem<T extends z.ZodType>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  schema: T,
): Promise<z.infer<T> | null> {
  const out = await doc.send(new GetCommand({ TableName: tableName, Key: key }));
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
