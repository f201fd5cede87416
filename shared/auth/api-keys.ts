// API key format and hashing: `cfd_<keyId>_<secret>`; only the SHA-256 of the whole key is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyView } from '../../schemas/tenancy.ts';

const KEY_PATTERN = /^cfd_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): { keyId: string; apiKey: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, apiKey: `cfd_${keyId}_${secret}` };
}

/** A new key for a member and the record to store for it: the key itself is never stored. */
export function newApiKey(
  owner: { funderId: string; memberId: string; label: string },
  validForDays: number,
  now = new Date(),
): { apiKey: string; record: ApiKeyRecord } {
  const { keyId, apiKey } = generateApiKey();
  return {
    apiKey,
    record: {
      keyId,
      ...owner,
      secretHash: hashApiKey(apiKey),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + validForDays * 86_400_000).toISOString(),
    },
  };
}

/** What may be shown of a stored key: everything but the hash. */
export function apiKeyView(record: ApiKeyRecord): ApiKeyView {
  const { secretHash: _hidden, ...view } = record;
  return view;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function parseApiKey(apiKey: string): { keyId: string } | null {
  const match = KEY_PATTERN.exec(apiKey);
  return match?.[1] ? { keyId: match[1] } : null;
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
