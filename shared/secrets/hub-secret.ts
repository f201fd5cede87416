// The hub's own secret: 32 random bytes, made once per table (the first reader creates it with a conditional
// write, every later reader gets the same bytes) and kept in the table, which is encrypted at rest. Each use gets
// its own key derived from it (HMAC of the purpose), so a key for one use says nothing about another's.
import { createHmac, randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../db/conditions.ts';
import { hubSecretKey } from '../db/keys.ts';

export type SecretPurpose = 'gap-noise' | 'cursor';

export interface HubSecrets {
  /** The key for one purpose (32 bytes). */
  keyFor(purpose: SecretPurpose): Promise<Buffer>;
}

export function deriveKey(secret: Buffer, purpose: SecretPurpose): Buffer {
  return createHmac('sha256', secret).update(`cofund/${purpose}/v1`).digest();
}

export function createHubSecrets(deps: { doc: DynamoDBDocumentClient; tableName: string }): HubSecrets {
  let loading: Promise<Buffer> | undefined;

  async function read(): Promise<Buffer | null> {
    const out = await deps.doc.send(
      new GetCommand({ TableName: deps.tableName, Key: hubSecretKey(), ConsistentRead: true }),
    );
    const value = out.Item?.secret;
    return typeof value === 'string' ? Buffer.from(value, 'base64') : null;
  }

  async function load(): Promise<Buffer> {
    const known = await read();
    if (known) return known;
    try {
      await deps.doc.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            ...hubSecretKey(),
            entity: 'hub-secret',
            secret: randomBytes(32).toString('base64'),
            createdAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      // Another process made it first: everyone uses that one.
      if (!isConditionFailure(error)) throw error;
    }
    const made = await read();
    if (!made) throw new Error('the hub secret could not be read back after it was written');
    return made;
  }

  return {
    async keyFor(purpose) {
      loading ??= load();
      loading.catch(() => {
        loading = undefined;
      });
      return deriveKey(await loading, purpose);
    },
  };
}

/** For pure tests and benches: a fixed secret. */
export function fixedHubSecrets(secret: Buffer): HubSecrets {
  return { keyFor: async (purpose) => deriveKey(secret, purpose) };
}
