// What DynamoDB calls are made, and as which function (function-scope.ts): for tests that hold each function's IAM
// policy to the calls it really makes. Nothing listens in production; a listener costs one function call per call.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { functionScope } from '../http/function-scope.ts';

export interface ObservedCall {
  /** The function the call ran as, or null outside any (seeding, tests' own reads). */
  fn: string | null;
  table: string;
  /** The IAM action the call needs (a transaction needs one per item kind). */
  action: string;
  /** The partition key's family (the text before its first '#'), when the call names one. */
  family: string | null;
  index: string | null;
}

const listeners = new Set<(call: ObservedCall) => void>();

export function observeDynamoCalls(listener: (call: ObservedCall) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

type Input = Record<string, unknown>;
/** A string attribute, marshalled ({S}) or native (the document client's middleware may run first). */
const text = (value: unknown): string | null => {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | null | undefined)?.S;
  return typeof s === 'string' ? s : null;
};
const familyOf = (key: unknown): string | null => {
  const pk = text((key as { PK?: unknown } | undefined)?.PK);
  return pk === null ? null : (pk.split('#')[0] ?? pk);
};

function callsOf(command: string, input: Input): Array<Omit<ObservedCall, 'fn'>> {
  const action = command.replace(/Command$/, '');
  const table = String(input.TableName ?? '');
  const index = typeof input.IndexName === 'string' ? input.IndexName : null;
  if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
    return ((input.TransactItems as Input[] | undefined) ?? []).flatMap((item) =>
      Object.entries(item).map(([kind, op]) => {
        const o = op as Input;
        const a =
          {
            Put: 'PutItem',
            Update: 'UpdateItem',
            Delete: 'DeleteItem',
            ConditionCheck: 'ConditionCheckItem',
            Get: 'GetItem',
          }[kind] ?? kind;
        return {
          table: String(o.TableName ?? ''),
          action: a,
          family: familyOf(o.Key ?? o.Item),
          index: null,
        };
      }),
    );
  }
  if (action === 'BatchGetItem' || action === 'BatchWriteItem') {
    return Object.keys((input.RequestItems as Input | undefined) ?? {}).map((t) => ({
      table: t,
      action,
      family: null,
      index: null,
    }));
  }
  if (action === 'Query') {
    const values = (input.ExpressionAttributeValues as Record<string, unknown> | undefined) ?? {};
    const pk = text(values[':pk']);
    return [{ table, action, family: pk ? (pk.split('#')[0] ?? pk) : null, index }];
  }
  return [{ table, action, family: familyOf(input.Key ?? input.Item), index }];
}

/** Adds the observing middleware to a client (every client the hub makes has it). */
export function observe(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (listeners.size > 0) {
        const fn = functionScope.getStore() ?? null;
        for (const call of callsOf(String(context.commandName ?? ''), args.input as Input)) {
          for (const listener of listeners) listener({ fn, ...call });
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'cofundObserveCalls' },
  );
  return client;
}
