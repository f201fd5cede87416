// API key format and hashing: `cfd_<keyId>_<secret>`; only the SHA-256 of the whole key is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^cfd_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): { keyId: string; apiKey: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, apiKey: `cfd_${keyId}_${secret}` };
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
