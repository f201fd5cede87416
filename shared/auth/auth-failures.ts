// Failed authentications, counted per source address and per key id (the public part of a key) in one-minute
// windows, kept 10 minutes by the table's TTL. Past the limit, a source or key id is refused without looking the key
// up (on this instance, for the rest of the window; on every instance at its next failure) and its failures are no
// longer audited one by one: a flood of bad keys neither grows the audit log without bound nor costs a key lookup
// each. Valid keys pay nothing: counters move only on failure.
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { authFailureKey } from '../db/keys.ts';

export const AUTH_FAILURE_LIMITS = { perSource: 30, perKeyId: 10, windowSeconds: 60, keepSeconds: 600 };

export type FailureScope = 'source' | 'key';

export function createAuthFailures(deps: {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  limits?: typeof AUTH_FAILURE_LIMITS;
}) {
  const limits = deps.limits ?? AUTH_FAILURE_LIMITS;
  const now = deps.now ?? (() => new Date());
  /** Blocked on this instance until the end of their window (epoch ms). */
  const blocked = new Map<string, number>();
  const windowOf = () => Math.floor(now().getTime() / 1000 / limits.windowSeconds);
  const id = (scope: FailureScope, value: string) => `${scope}:${value}`;

  async function count(scope: FailureScope, value: string): Promise<number> {
    const window = windowOf();
    const out = await deps.doc.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: authFailureKey(scope, value, window),
        UpdateExpression: 'ADD failures :one SET entity = :entity, #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':entity': 'auth-failures',
          ':ttl': Math.floor(now().getTime() / 1000) + limits.keepSeconds,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const failures = Number(out.Attributes?.failures ?? 0);
    const limit = scope === 'source' ? limits.perSource : limits.perKeyId;
    if (failures > limit) blocked.set(id(scope, value), (window + 1) * limits.windowSeconds * 1000);
    return failures;
  }

  return {
    limits,
    /** Whether this source or key id is over its limit as far as this instance knows (no read). */
    isBlocked(scope: FailureScope, value: string): boolean {
      const until = blocked.get(id(scope, value));
      if (until === undefined) return false;
      if (until <= now().getTime()) {
        blocked.delete(id(scope, value));
        return false;
      }
      return true;
    },
    /**
     * Counts one failure of each given scope; returns which are now over their limits, and whether this failure
     * is the first one over (audited once, as "rate limited").
     */
    async record(targets: Array<{ scope: FailureScope; value: string }>) {
      const counts = await Promise.all(
        targets.map(async (t) => ({ ...t, failures: await count(t.scope, t.value) })),
      );
      const over = counts.filter(
        (c) => c.failures > (c.scope === 'source' ? limits.perSource : limits.perKeyId),
      );
      const firstOver = over.some(
        (c) => c.failures === (c.scope === 'source' ? limits.perSource : limits.perKeyId) + 1,
      );
      return { over, firstOver };
    },
  };
}
export type AuthFailures = ReturnType<typeof createAuthFailures>;
