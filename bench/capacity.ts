// Counts the capacity units DynamoDB reports for every call a client makes (ReturnConsumedCapacity=INDEXES).
// Attach it before building document clients from the client: they copy its middleware stack when created.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface CapacityMeter {
  read: number;
  /** As DynamoDB Local reports it. */
  write: number;
  /** As AWS bills it: DynamoDB Local reports transactional writes at 1x, AWS charges 2x. */
  writeAws: number;
  calls: Record<string, number>;
  reset(): void;
}

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number }>;
}

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

export function meterCapacity(client: DynamoDBClient): CapacityMeter {
  const meter: CapacityMeter = {
    read: 0,
    write: 0,
    calls: {},
    writeAws: 0,
    reset() {
      meter.read = 0;
      meter.write = 0;
      meter.writeAws = 0;
      meter.calls = {};
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const command = String(context.commandName);
      meter.calls[command] = (meter.calls[command] ?? 0) + 1;
      const output = result.output as { ConsumedCapacity?: Consumed | Consumed[] };
      for (const c of [output.ConsumedCapacity ?? []].flat()) {
        // With INDEXES, CapacityUnits is the total of the table and its indexes.
        const indexes = Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((s, i) => s + (i.CapacityUnits ?? 0), 0);
        const total = c.CapacityUnits ?? (c.Table?.CapacityUnits ?? 0) + indexes;
        if (READS.has(command)) meter.read += total;
        else {
          meter.write += total;
          meter.writeAws += command === 'TransactWriteItemsCommand' ? 2 * total : total;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'capacityMeter' },
  );
  return meter;
}
