// Digests: a member's preferences, the change feed they are built from, one delivery per member and period,
// and what a digest says.
import { z } from 'zod';
import { IsoDateTimeSchema, queryInteger, SlugSchema } from './common.ts';
import { GrantIdSchema, VisibilitySchema } from './grant.ts';
import { RegionSchema, ThemeSchema } from './taxonomy.ts';

export const DigestFrequencySchema = z.enum(['daily', 'weekly', 'off']);
export type DigestFrequency = z.infer<typeof DigestFrequencySchema>;

/** Themes and regions narrow grants and asks; empty means all of them. */
export const DigestPreferencesSchema = z.object({
  frequency: DigestFrequencySchema,
  themes: z.array(ThemeSchema).max(20),
  regions: z.array(RegionSchema).max(20),
});
export type DigestPreferences = z.infer<typeof DigestPreferencesSchema>;
export const DEFAULT_DIGEST_PREFERENCES: DigestPreferences = { frequency: 'weekly', themes: [], regions: [] };

export const UpdateDigestPreferencesRequestSchema = z
  .strictObject({
    frequency: DigestFrequencySchema.optional(),
    themes: z.array(ThemeSchema).max(20).optional(),
    regions: z.array(RegionSchema).max(20).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one of frequency, themes, regions must be given');

/** One grant version as the change feed recorded it: enough for a digest line, nothing more. */
export const FeedEntrySchema = z.object({
  funderId: SlugSchema,
  grantId: GrantIdSchema,
  version: z.number().int().min(1),
  change: z.enum(['new', 'changed', 'withdrawn']),
  title: z.string(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  recipient: z.string().nullable(),
  awardDate: z.string().nullable(),
  themes: z.array(z.string()),
  regions: z.array(z.string()),
  visibility: VisibilitySchema,
  recordedAt: IsoDateTimeSchema,
});
export type FeedEntry = z.infer<typeof FeedEntrySchema>;

/**
 * sending: claimed by one worker until leaseUntil; retrying: a send failed and will be tried again;
 * sent; empty: nothing to say, so nothing was sent; failed: retries ran out and the message is in the DLQ.
 */
export const DigestStatusSchema = z.enum(['sending', 'retrying', 'sent', 'empty', 'failed']);
export type DigestStatus = z.infer<typeof DigestStatusSchema>;

export const DigestCountsSchema = z.object({
  grants: z.number().int(),
  opportunities: z.number().int(),
  pledges: z.number().int(),
  duplicates: z.number().int(),
  gapChanges: z.number().int(),
});
export type DigestCounts = z.infer<typeof DigestCountsSchema>;

export const DigestRecordSchema = z.object({
  funderId: SlugSchema,
  memberId: SlugSchema,
  /** D2026-11-23 for a daily digest, W2026-48 (ISO week) for a weekly one. */
  period: z.string(),
  status: DigestStatusSchema,
  attempts: z.number().int(),
  claimToken: z.string().optional(),
  leaseUntil: IsoDateTimeSchema.optional(),
  windowFrom: IsoDateTimeSchema.optional(),
  windowTo: IsoDateTimeSchema.optional(),
  messageId: z.string().optional(),
  counts: DigestCountsSchema.optional(),
  lastError: z.string().optional(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  sentAt: IsoDateTimeSchema.optional(),
});
export type DigestRecord = z.infer<typeof DigestRecordSchema>;

export const DigestViewSchema = DigestRecordSchema.omit({ claimToken: true, leaseUntil: true });
export type DigestView = z.infer<typeof DigestViewSchema>;

/** What the last digest covered and told, so the next one says only what is new. */
export const DigestStateSchema = z.object({
  funderId: SlugSchema,
  memberId: SlugSchema,
  /** Secret for this member's signed unsubscribe link (HMAC key); never leaves the backend. */
  linkSecret: z.string().regex(/^[a-f0-9]{64}$/),
  lastWindowTo: IsoDateTimeSchema.optional(),
  lastPeriod: z.string().optional(),
  /** `orgId|funderId` of the dependencies the member was last told about. */
  dependent: z.array(z.string()),
  exiting: z.array(SlugSchema),
});
export type DigestState = z.infer<typeof DigestStateSchema>;

export const DigestMessageSchema = z.object({
  funderId: SlugSchema,
  memberId: SlugSchema,
  period: z.string(),
});
export type DigestMessage = z.infer<typeof DigestMessageSchema>;

const Money = z.number();
export const DigestContentSchema = z.object({
  member: z.object({ id: SlugSchema, name: z.string(), email: z.string(), funderName: z.string() }),
  period: z.string(),
  windowFrom: IsoDateTimeSchema,
  windowTo: IsoDateTimeSchema,
  preferences: DigestPreferencesSchema,
  /** Names of the funders the digest mentions, by id. */
  funderNames: z.record(z.string(), z.string()),
  grants: z.object({ total: z.number().int(), truncated: z.boolean(), items: z.array(FeedEntrySchema) }),
  opportunities: z.array(
    z.object({
      id: z.string(),
      funderId: SlugSchema,
      title: z.string(),
      recipient: z.string(),
      currency: z.string(),
      unmet: Money,
      deadline: z.string(),
    }),
  ),
  pledges: z.array(
    z.object({
      opportunityId: z.string(),
      title: z.string(),
      funderId: SlugSchema,
      status: z.string(),
      amount: Money,
      currency: z.string(),
      at: IsoDateTimeSchema,
    }),
  ),
  /** Pairs queued for review within the window (count, items), and how many wait in all (waiting). */
  duplicates: z.object({
    count: z.number().int(),
    waiting: z.number().int(),
    more: z.boolean(),
    items: z.array(z.object({ pairId: z.string(), summary: z.string() })),
  }),
  gapChanges: z.object({
    newlyDependent: z.array(
      z.object({
        theme: z.string(),
        orgId: z.string(),
        name: z.string().nullable(),
        funderId: SlugSchema,
        share: z.number(),
      }),
    ),
    newlyExiting: z.array(z.object({ funderId: SlugSchema, name: z.string() })),
  }),
});
export type DigestContent = z.infer<typeof DigestContentSchema>;

export const DigestPreviewSchema = z.object({
  content: DigestContentSchema,
  empty: z.boolean(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
});

export const ListDigestsQuerySchema = z.strictObject({
  limit: queryInteger(1, 100).default(25),
  cursor: z.string().min(1).max(2048).optional(),
  /** Admins may list every member of their funder; everyone else sees their own. */
  member: SlugSchema.optional(),
});

/**
 * How far back a digest run asked over the API may reach, and how far ahead: a clock a little fast is fine, a run
 * for tomorrow is not (it would deliver tomorrow's period today, and the scheduled run tomorrow would find it done).
 */
export const DIGEST_RUN_WINDOW = { pastDays: 366, futureMinutes: 10 };

export const StartDigestRunRequestSchema = z.strictObject({
  /**
   * The instant whose period is run (default now); periods already sent are not sent again. Over the API at most
   * a year back and ten minutes ahead (DIGEST_RUN_WINDOW): a run for 1970 or 9999 is refused, naming `at`.
   */
  at: IsoDateTimeSchema.optional(),
});
export const DigestRunSchema = z.object({
  at: IsoDateTimeSchema,
  queued: z.number().int(),
  /** Members by period id (e.g. {"W2026-48": 5, "D2026-11-23": 1}). */
  periods: z.record(z.string(), z.number().int()),
});
export type DigestRun = z.infer<typeof DigestRunSchema>;

export const UnsubscribeQuerySchema = z.strictObject({
  token: z
    .string()
    .max(300)
    .regex(
      /^[a-z0-9-]+\.[a-z0-9-]+\.[0-9]{1,12}\.[A-Za-z0-9_-]{43}$/,
      'must be the token from a digest link',
    ),
});
