// Stream images as items. DynamoDB Local's stream writes an empty map as `{}` (no type at all) where the table
// holds `{"M": {}}`; unmarshall refuses such a value, so a grant with `plannedDates: [{}]` once stopped every
// consumer. An untyped empty value is read back as the empty map it was written as.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

function repaired(value: AttributeValue): AttributeValue {
  if (value === null || typeof value !== 'object') return value;
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M) return { M: repairedMap(value.M) };
  if (value.L) return { L: value.L.map(repaired) };
  return value;
}

function repairedMap(map: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, repaired(v)]));
}

export function unmarshallImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  return unmarshall(repairedMap(image));
}
