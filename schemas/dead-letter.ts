// Stream records a consumer could not process after its bounded retries, set aside so the shard goes on.
import { z } from 'zod';
import { IsoDateTimeSchema } from './common.ts';

export const StreamConsumerNameSchema = z.enum(['resolve-organisations', 'roll-up-gaps', 'record-changes']);
export type StreamConsumerName = z.infer<typeof StreamConsumerNameSchema>;

export const DeadLetterStatusSchema = z.enum(['retrying', 'set-aside', 'replayed']);

export const StoredDeadLetterSchema = z.object({
  consumer: StreamConsumerNameSchema,
  /** The stream record's eventID: the same across Lambda's re-deliveries of that record. */
  eventId: z.string(),
  sequenceNumber: z.string().nullable(),
  eventName: z.string().nullable(),
  /** The table item the record is about. */
  itemKey: z.object({ PK: z.string(), SK: z.string() }),
  funderId: z.string().nullable(),
  grantId: z.string().nullable(),
  status: DeadLetterStatusSchema,
  /** Failed attempts counted by the consumer (it sets the record aside at its limit). */
  attempts: z.number().int().min(0),
  reason: z.string(),
  firstFailedAt: IsoDateTimeSchema,
  lastFailedAt: IsoDateTimeSchema,
  setAsideAt: IsoDateTimeSchema.nullable().default(null),
  replayedAt: IsoDateTimeSchema.nullable().default(null),
  /** The stream record as JSON (Lambda's shape), for a replay; null when it was too large to keep. */
  record: z.string().nullable(),
});
export type StoredDeadLetter = z.infer<typeof StoredDeadLetterSchema>;

/** What the operator sees: where and why, never the record's content (it may be a funder's private grant). */
export const DeadLetterViewSchema = z.object({
  id: z.string().describe('<consumer>~<eventId>'),
  consumer: StreamConsumerNameSchema,
  status: DeadLetterStatusSchema,
  funderId: z.string().nullable(),
  grantId: z.string().nullable(),
  item: z.string().describe('The table item the record is about (PK / SK)'),
  eventName: z.string().nullable(),
  attempts: z.number().int(),
  reason: z.string(),
  firstFailedAt: IsoDateTimeSchema,
  lastFailedAt: IsoDateTimeSchema,
  setAsideAt: IsoDateTimeSchema.nullable(),
  replayedAt: IsoDateTimeSchema.nullable(),
  recordKept: z
    .boolean()
    .describe('false when the record was too large to keep: a replay reads the item as it is now'),
});
export type DeadLetterView = z.infer<typeof DeadLetterViewSchema>;

export const DeadLetterIdSchema = z
  .string()
  .regex(
    /^(resolve-organisations|roll-up-gaps|record-changes)~[A-Za-z0-9._:-]{1,200}$/,
    'must be <consumer>~<eventId>',
  );

export const ListDeadLettersQuerySchema = z.strictObject({
  status: DeadLetterStatusSchema.default('set-aside'),
});

export const ReplayResultSchema = z.object({
  id: z.string(),
  outcome: z.enum(['replayed', 'failed']),
  reason: z.string().optional(),
});
