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
