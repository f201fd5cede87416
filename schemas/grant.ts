// Grant records in the 360Giving model plus the hub's own fields (themes, regions, visibility).
import { z } from 'zod';
import { CURRENCY_CODES, REGRANT_TYPE_CODES } from './codelists/codes.ts';
import {
  DateOrDateTimeSchema,
  IsoDateTimeSchema,
  PartialDateSchema,
  queryInteger,
  SlugSchema,
} from './common.ts';
import { FieldErrorSchema } from './problem.ts';
import { refineStorable } from './storable.ts';
import { RegionSchema, ThemeSchema } from './taxonomy.ts';

export const MAX_BATCH_GRANTS = 100;

/**
 * A grant id as its publisher wrote it (360Giving prefix + local id). Single spaces inside are kept (publishers
 * use them); whitespace at either end, runs of it, and characters that cannot sit in a URL path or a key are not.
 */
export const GrantIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^[^\s/?#\\\p{Cc}]+(?: [^\s/?#\\\p{Cc}]+)*$/u,
    'must not contain "/", "?", "#", "\\", control characters, or spaces other than single ones inside',
  )
  .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".."');

/** Amounts in the grant's currency; negative amounts are allowed, as the standard allows (a returned grant). */
const Amount = z.number().finite().min(-1e13).max(1e13);
const ShortText = z.string().max(1000);
const LongText = z.string().max(20000);

/** 360Giving sub-objects allow extra properties; the hub keeps them as given. */
export const OrganizationSchema = z.looseObject({
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(1000),
  charityNumber: z.string().max(1000).optional(),
  companyNumber: z.string().max(1000).optional(),
  addressCountry: z.string().max(1000).optional(),
  postalCode: z.string().max(1000).optional(),
  url: z.string().max(2000).optional(),
});

const EventSchema = z.looseObject({
  title: ShortText.optional(),
  startDate: PartialDateSchema.optional(),
  endDate: PartialDateSchema.optional(),
  duration: z.number().finite().min(0).optional(),
  description: LongText.optional(),
});

const CodeTitleSchema = z.looseObject({
  code: z.string().max(256).optional(),
  title: ShortText.optional(),
  vocabulary: z.string().max(256).optional(),
  description: LongText.optional(),
  url: z.string().max(2000).optional(),
});

const LocationSchema = z.looseObject({
  name: ShortText.optional(),
  countryCode: z.string().max(8).optional(),
  geoCode: z.string().max(64).optional(),
  geoCodeType: z.string().max(64).optional(),
});

export const VisibilitySchema = z.union([
  z.enum(['private', 'hub', 'public']),
  z.templateLiteral(['collaborative:', SlugSchema]),
]);
export type Visibility = z.infer<typeof VisibilitySchema>;

/**
 * The fields a funder sends for one grant. Every 360Giving top-level field is named here; anything
 * else the publisher added belongs in `additionalData`, so a typo in a standard field is an error
 * instead of silently becoming extra data.
 */
export const GrantFieldsSchema = z.strictObject({
  title: z.string().min(1).max(1000),
  /** Required by the 360Giving standard (it may be short). */
  description: LongText,
  currency: z.enum(CURRENCY_CODES, {
    error: 'must be an ISO 4217 currency code from the 360Giving codelist',
  }),
  amountAwarded: Amount,
  amountAppliedFor: Amount.optional(),
  amountDisbursed: Amount.optional(),
  awardDate: DateOrDateTimeSchema,
  url: z.string().max(2000).optional(),
  plannedDates: z.array(EventSchema).max(20).optional(),
  actualDates: z.array(EventSchema).max(20).optional(),
  recipientOrganization: z.array(OrganizationSchema).min(1).max(20).optional(),
  recipientIndividual: z.looseObject({ id: z.string().max(256), name: z.string().max(1000) }).optional(),
  toIndividualsDetails: z.looseObject({}).optional(),
  fundingOrganization: z.array(OrganizationSchema).min(1).max(20),
  beneficiaryLocation: z.array(LocationSchema).max(100).optional(),
  grantProgramme: z.array(CodeTitleSchema).max(20).optional(),
  fromOpenCall: z.enum(['Yes', 'No']).optional(),
  fundingType: z.array(CodeTitleSchema).max(20).optional(),
  classifications: z.array(CodeTitleSchema).max(100).optional(),
  relatedDocument: z.array(z.looseObject({})).max(50).optional(),
  applicationTransaction: z.array(z.looseObject({})).max(200).optional(),
  commitmentTransaction: z.array(z.looseObject({})).max(200).optional(),
  disbursementTransaction: z.array(z.looseObject({})).max(200).optional(),
  relatedActivity: z.array(z.string().max(256)).max(100).optional(),
  dateModified: IsoDateTimeSchema.optional(),
  dataSource: z.string().max(2000).nullable().optional(),
  regrantType: z
    .enum(REGRANT_TYPE_CODES, { error: 'must be a 360Giving regrantType code (FRG010..FRG070)' })
    .optional(),
  locationScope: z.string().max(64).optional(),
  additionalData: z.record(z.string(), z.unknown()).optional(),
  themes: z.array(ThemeSchema).max(10).default([]),
  regions: z.array(RegionSchema).max(10).default([]),
  visibility: VisibilitySchema.default('private'),
});

/** The standard wants exactly one recipient: an organisation or an individual. */
const requireRecipient = (g: { recipientOrganization?: unknown; recipientIndividual?: unknown }) =>
  (g.recipientOrganization !== undefined) !== (g.recipientIndividual !== undefined);
const recipientRule = {
  message: 'exactly one of recipientOrganization or recipientIndividual is required',
  path: ['recipientOrganization'],
};

/** PUT /v1/grants/{funderId}/{grantId}: the id comes from the path (and must match if also sent). */
export const PutGrantRequestSchema = GrantFieldsSchema.extend({ id: GrantIdSchema.optional() })
  .refine(requireRecipient, recipientRule)
  .superRefine(refineStorable);
export type PutGrantRequest = z.infer<typeof PutGrantRequestSchema>;

export const BatchGrantItemSchema = GrantFieldsSchema.extend({ id: GrantIdSchema })
  .refine(requireRecipient, recipientRule)
  .superRefine(refineStorable);
export type GrantInput = z.infer<typeof BatchGrantItemSchema>;

/** An upload's id: the grants of one import share it (its processing status is read by it). */
export const UploadIdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be 8-64 letters, digits, "-" or "_"');

export const BatchUpsertRequestSchema = z.strictObject({
  grants: z.array(z.unknown()).min(1).max(MAX_BATCH_GRANTS),
  /** The import these grants belong to (a re-upload is a later upload repeating an earlier one). */
  uploadId: UploadIdSchema.optional(),
});

/** What the table holds for the current state of a grant and for each immutable version. */
export const StoredGrantSchema = z.object({
  funderId: SlugSchema,
  grantId: GrantIdSchema,
  version: z.number().int().min(1),
  contentHash: z.string(),
  deleted: z.boolean(),
  record: BatchGrantItemSchema.or(z.null()),
  /** The upload (an import, or one PUT) that wrote this version; versions written before it was kept have none. */
  uploadId: z.string().optional(),
  /**
   * The upload this grant id first came in (kept across its later versions): two copies of a grant are a re-upload
   * only when they first came in different uploads, so a later file holding both (an export re-imported) keeps them
   * as they were. Absent on grants written before it was kept (their uploadId stands in).
   */
  firstUploadId: z.string().optional(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  updatedBy: SlugSchema,
});
export type StoredGrant = z.infer<typeof StoredGrantSchema>;

export const GrantViewSchema = z.object({
  funderId: SlugSchema,
  id: GrantIdSchema,
  version: z.number().int(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  grant: BatchGrantItemSchema,
});
export type GrantView = z.infer<typeof GrantViewSchema>;

export const GrantVersionViewSchema = z.object({
  version: z.number().int(),
  deleted: z.boolean(),
  updatedAt: IsoDateTimeSchema,
  updatedBy: SlugSchema,
  contentHash: z.string(),
  grant: BatchGrantItemSchema.nullable(),
});

export const WriteOutcomeSchema = z.enum(['created', 'updated', 'unchanged', 'deleted', 'rejected']);
export type WriteOutcome = z.infer<typeof WriteOutcomeSchema>;

export const GrantWriteResultSchema = z.object({
  outcome: WriteOutcomeSchema,
  grant: GrantViewSchema.optional(),
  warnings: z.array(FieldErrorSchema).optional(),
});

export const BatchItemResultSchema = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  outcome: WriteOutcomeSchema,
  version: z.number().int().optional(),
  code: z.string().optional(),
  errors: z.array(FieldErrorSchema).optional(),
  /** Accepted, with something the funder should know (a funding organisation the hub could not check). */
  warnings: z.array(FieldErrorSchema).optional(),
});

export const BatchUpsertResponseSchema = z.object({
  /** The upload the written grants belong to: GET /v1/uploads/{uploadId} says how far their processing is. */
  uploadId: z.string(),
  summary: z.object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    rejected: z.number().int(),
  }),
  results: z.array(BatchItemResultSchema),
});

export const ListGrantsQuerySchema = z.strictObject({
  limit: queryInteger(1, 100).default(25),
  cursor: z.string().min(1).max(4096).optional(),
  funder: SlugSchema.optional(),
  recipient: z.string().min(1).max(256).optional(),
  theme: ThemeSchema.optional(),
  region: RegionSchema.optional(),
  visibility: VisibilitySchema.optional(),
  awardYearFrom: queryInteger(1900, 2100).optional(),
  awardYearTo: queryInteger(1900, 2100).optional(),
});
export type ListGrantsQuery = z.infer<typeof ListGrantsQuerySchema>;

export const CountGrantsQuerySchema = ListGrantsQuerySchema.omit({ limit: true, cursor: true });
export type CountGrantsQuery = z.infer<typeof CountGrantsQuerySchema>;
