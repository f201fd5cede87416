// Opaque cursors: they carry where to resume, are bound to the caller's key and the query they came from, and are
// signed (HMAC-SHA256 with a key derived from the hub's secret), so a forged, edited or foreign cursor is a 400.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { InvalidCursorError } from '../errors.ts';

const KeyValue = z.union([z.string().max(2048), z.number()]);

const CursorSchema = z.strictObject({
  v: z.literal(1),
  /** The funder and API key the cursor was issued to (cursorOwner). */
  f: z.string(),
  /** Hash of the query's filters: a cursor cannot be replayed against a different query. */
  q: z.string(),
  /** Index of the scope being read, for queries that read several partitions in turn. */
  s: z.number().int().min(0).max(1000),
  /** DynamoDB key to resume after, or null to start the scope at its beginning. */
  k: z.record(z.string(), KeyValue).nullable(),
});
export type Cursor = z.infer<typeof CursorSchema>;

export function queryFingerprint(query: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.entries(query).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

let signingKey: Buffer | undefined;

/** The key cursors are signed with (services.ready() loads it from the hub's secret before any request). */
export function useCursorSigningKey(key: Buffer): void {
  signingKey = key;
}

function tag(payload: string): Buffer {
  if (!signingKey) throw new Error('the cursor signing key is not loaded (await services.ready())');
  return createHmac('sha256', signingKey).update(payload).digest();
}

/** Whom a cursor belongs to: the caller's funder and the API key it was issued to. */
export const cursorOwner = (principal: { funderId: string; keyId: string }) =>
  `${principal.funderId}/${principal.keyId}`;

export function encodeCursor(cursor: Cursor): string {
  const payload = Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
  return `${payload}.${tag(payload).toString('base64url')}`;
}

/** Checks the signature, then ownership and query; anything off is an invalid cursor, never a server error. */
export function decodeCursor(raw: string, owner: string, fingerprint: string): Cursor {
  const [payload, signature, ...rest] = raw.split('.');
  if (!payload || !signature || rest.length > 0) throw new InvalidCursorError();
  const given = Buffer.from(signature, 'base64url');
  const expected = tag(payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success || result.data.f !== owner || result.data.q !== fingerprint) {
    throw new InvalidCursorError();
  }
  return result.data;
}

/** DynamoDB's LastEvaluatedKey as cursor data (key attributes are only strings here). */
export function toCursorKey(
  lastKey: Record<string, unknown> | undefined,
): Record<string, string | number> | null {
  if (!lastKey) return null;
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(lastKey)) {
    if (typeof value === 'string' || typeof value === 'number') out[name] = value;
  }
  return out;
}

/**
 * A start key must sit in the partition the query reads (and match any fixed key prefix); otherwise
 * a hand-made cursor could make DynamoDB fail or, worse, resume somewhere the caller may not read.
 */
export function requireStartKeyWithin(
  key: Record<string, string | number> | null,
  partition: Record<string, string>,
  sortPrefix?: { attribute: string; prefix: string },
): Record<string, string | number> | undefined {
  if (key === null) return undefined;
  for (const [name, value] of Object.entries(partition)) {
    if (key[name] !== value) throw new InvalidCursorError();
  }
  if (sortPrefix) {
    const value = key[sortPrefix.attribute];
    if (typeof value !== 'string' || !value.startsWith(sortPrefix.prefix)) throw new InvalidCursorError();
  }
  return key;
}

/**
 * Cursor handling for a list that reads one partition: where to resume (checked to lie in `partition`) and
 * how to hand out the next cursor.
 */
export function onePartitionCursor(
  owner: string,
  resource: string,
  rawCursor: string | undefined,
  partition: Record<string, string>,
) {
  const fingerprint = queryFingerprint({ resource });
  const startKey = rawCursor
    ? requireStartKeyWithin(decodeCursor(rawCursor, owner, fingerprint).k, partition)
    : undefined;
  return {
    startKey,
    next(lastKey: Record<string, unknown> | undefined): string | null {
      const k = toCursorKey(lastKey);
      return k ? encodeCursor({ v: 1, f: owner, q: fingerprint, s: 0, k }) : null;
    },
  };
}
