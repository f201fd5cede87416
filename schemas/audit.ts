// Audit events: every write, every denied access, every export and reads of private data.
import { z } from 'zod';
import { IsoDateTimeSchema, queryInteger, SlugSchema } from './common.ts';

export const AuditOutcomeSchema = z.enum(['allowed', 'denied']);

export const AuditEventSchema = z.object({
  eventId: z.string(),
  at: IsoDateTimeSchema,
  /** The funder whose log this entry sits in. */
  funderId: SlugSchema,
  actorFunderId: z.string(),
  actorMemberId: z.string().nullable(),
  action: z.string(),
  resource: z.string(),
  outcome: AuditOutcomeSchema,
  reason: z.string().optional(),
  requestId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const ListAuditQuerySchema = z.strictObject({
  limit: queryInteger(1, 100).default(25),
  cursor: z.string().min(1).max(4096).optional(),
});
