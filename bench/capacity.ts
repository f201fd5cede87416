// Capacity units per call, two ways: what DynamoDB Local reports (ReturnConsumedCapacity=INDEXES), and what
// AWS would bill by its published rules computed from the items themselves, because DynamoDB Local's figures
// for transactions are not consistent with those rules (e.g. 1 unit for a 1.3 KB item in a transaction).
// Attach the meter before building document clients from the client: they copy its middleware stack.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mainTable } from '../shared/db/table-definition.ts';

export interface CapacityMeter {
  /** Reported by DynamoDB Local. */
  reportedRead: number;
  reportedWrite: number;
  /** By AWS's rules: writes ceil(size/1 KB) per item and per index it appears in, transactions 2x;
   * reads ceil(size/4 KB), eventually consistent half. */
  read: number;
  write: number;
  calls: Record<string, number>;
  reset(): void;
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

function looksMarshalled(item: Record<string, unknown>): boolean {
  return Object.values(item).every(
    (v) =>
      v !== null &&
      typeof v === 'object' &&
      Object.keys(v).length === 1 &&
      ATTRIBUTE_TYPES.has(Object.keys(v)[0] ?? ''),
  );
}

function native(item: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: unmarshall takes the SDK's AttributeValue map
  return looksMarshalled(item) ? unmarshall(item as any) : item;
}

/** DynamoDB's item size: attribute names plus values (numbers about one byte per two digits). */
export function itemSize(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(value).replace(/[-.]/g, '').length / 2) + 1;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Set) return [...value].reduce((s: number, v) => s + itemSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((s: number, v) => s + 1 + itemSize(v), 0);
  return 3 + Object.entries(value).reduce((s, [k, v]) => s + Buffer.byteLength(k) + 1 + itemSize(v), 0);
}

const INDEX_KEYS = mainTable.globalSecondaryIndexes.map((i) => [i.partitionKey.name, i.sortKey.name]);

function writeUnits(rawItem: Record<string, unknown>, transactional: boolean): number {
  const item = native(rawItem);
  const units = Math.ceil(itemSize(item) / 1024);
  const indexes = INDEX_KEYS.filter(([pk, sk]) => pk && sk && pk in item && sk in item).length;
  return units * (transactional ? 2 : 1) + units * indexes;
}

function readUnits(items: Array<Record<string, unknown>>, consistent: boolean): number {
  const bytes = items.reduce((s, i) => s + itemSize(native(i)), 0);
  return Math.ceil(bytes / 4096) * (consistent ? 1 : 0.5);
}

interface Consumed {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

type Input = Record<string, unknown> & {
  Item?: Record<string, unknown>;
  TransactItems?: Array<{
    Put?: { Item: Record<string, unknown> };
    Update?: unknown;
    Delete?: unknown;
    ConditionCheck?: unknown;
  }>;
  RequestItems?: Record<string, unknown>;
  ConsistentRead?: boolean;
};
type Output = {
  ConsumedCapacity?: Consumed | Consumed[];
  Item?: Record<string, unknown>;
  Items?: Array<Record<string, unknown>>;
  Responses?: Record<string, Array<Record<string, unknown>>>;
};

export function meterCapacity(client: DynamoDBClient): CapacityMeter {
  const meter: CapacityMeter = {
    reportedRead: 0,
    reportedWrite: 0,
    read: 0,
    write: 0,
    calls: {},
    reset() {
      Object.assign(meter, { reportedRead: 0, reportedWrite: 0, read: 0, write: 0, calls: {} });
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Input;
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const output = result.output as Output;
      const command = String(context.commandName).replace(/Command$/, '');
      meter.calls[command] = (meter.calls[command] ?? 0) + 1;
      let reported = 0;
      for (const c of [output.ConsumedCapacity ?? []].flat()) {
        const indexes = Object.values(c.GlobalSecondaryIndexes ?? {}).reduce(
          (s, i) => s + (i.CapacityUnits ?? 0),
          0,
        );
        reported += c.CapacityUnits ?? (c.Table?.CapacityUnits ?? 0) + indexes;
      }
      switch (command) {
        case 'PutItem':
        case 'UpdateItem':
        case 'DeleteItem':
          meter.reportedWrite += reported;
          meter.write += input.Item ? writeUnits(input.Item, false) : 1;
          break;
        case 'TransactWriteItems':
          meter.reportedWrite += reported;
          for (const t of input.TransactItems ?? []) meter.write += t.Put ? writeUnits(t.Put.Item, true) : 2;
          break;
        case 'BatchWriteItem':
          meter.reportedWrite += reported;
          for (const requests of Object.values(input.RequestItems ?? {}) as Array<
            Array<{ PutRequest?: { Item: Record<string, unknown> } }>
          >) {
            for (const r of requests) meter.write += r.PutRequest ? writeUnits(r.PutRequest.Item, false) : 1;
          }
          break;
        case 'GetItem':
          meter.reportedRead += reported;
          meter.read += output.Item ? readUnits([output.Item], input.ConsistentRead === true) : 0.5;
          break;
        case 'BatchGetItem': {
          meter.reportedRead += reported;
          const consistent = Object.values(input.RequestItems ?? {}).some(
            (r) => (r as { ConsistentRead?: boolean }).ConsistentRead,
          );
          const returned = Object.values(output.Responses ?? {}).flat();
          for (const item of returned) meter.read += readUnits([item], consistent);
          // A key read and not found still costs one read unit (half, eventually consistent).
          const requested = Object.values(input.RequestItems ?? {}).reduce(
            (s: number, r) => s + ((r as { Keys?: unknown[] }).Keys?.length ?? 0),
            0,
          );
          const unprocessed = Object.values(
            (output as { UnprocessedKeys?: Record<string, { Keys?: unknown[] }> }).UnprocessedKeys ?? {},
          ).reduce((s, r) => s + (r.Keys?.length ?? 0), 0);
          meter.read += Math.max(0, requested - unprocessed - returned.length) * (consistent ? 1 : 0.5);
          break;
        }
        case 'Query':
        case 'Scan':
          meter.reportedRead += reported;
          meter.read += readUnits(output.Items ?? [], input.ConsistentRead === true);
          break;
        default:
          break;
      }
      return result;
    },
    { step: 'initialize', name: 'capacityMeter' },
  );
  return meter;
}
