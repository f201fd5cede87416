// Runtime configuration, parsed from the environment once per process.
import { z } from 'zod';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(3).max(255),
  IDEMPOTENCY_TABLE_NAME: z.string().min(3).max(255),
  AWS_REGION: z.string().default('eu-west-1'),
  /** Set only locally (DynamoDB Local); in AWS the SDK finds the regional endpoint. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** How long a replayed Idempotency-Key returns the first response. */
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86400)
    .default(86400),
  /** The digest queue (SQS) in AWS; locally `npm start` supplies an in-process queue instead. */
  DIGEST_QUEUE_URL: z.url().optional(),
  /** The SES identity digests are sent from (AWS); the local outbox uses it as the From address. */
  DIGEST_FROM_ADDRESS: z.email().optional(),
  /** Base URL of the API for links in emails (the unsubscribe link). */
  PUBLIC_API_URL: z.url().default('http://localhost:3000'),
  /** Feed entries younger than this wait for the next digest (a write still in flight is never skipped). */
  DIGEST_SETTLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
  /** How long one worker owns a member's period; longer than the worker's timeout. */
  DIGEST_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).default(180),
  /** Deliveries of a digest message before it is parked in the dead-letter queue (the queue's maxReceiveCount). */
  DIGEST_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Failed authentications a minute before a source address, or a key id, is refused (shared/auth/auth-failures.ts). */
  AUTH_FAILURES_PER_SOURCE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  AUTH_FAILURES_PER_KEY_ID: z.coerce.number().int().min(1).max(1_000_000).default(10),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});
export type Config = z.infer<typeof ConfigSchema>;

let cached: Config | undefined;

export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${fields}`);
  }
  return result.data;
}

/** Tests and the local server switch tables between runs; handlers never call this. */
export function resetConfigForTests(): void {
  cached = undefined;
}
