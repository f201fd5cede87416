// Organisation resolution: stored mentions, organisations, review pairs and decisions, and what the API shows.
import { z } from 'zod';
import { IsoDateTimeSchema, PageLimitSchema, SlugSchema } from './common.ts';
import { VisibilitySchema } from './grant.ts';
import { plainText } from './storable.ts';

export const OrgIdentifierSchema = z.object({
  scheme: z.string(),
  id: z.string(),
  canonical: z.string(),
  registered: z.boolean(),
});

/** The comparable features of one recipient mention (see shared/organisations/mention.ts). */
export const MentionFeaturesSchema = z.object({
  name: z.string(),
  identifiers: z.array(OrgIdentifierSchema),
  names: z.array(z.string()),
  fingerprints: z.array(z.string()),
  tokens: z.array(z.string()),
  acronyms: z.array(z.string()),
  writtenAcronyms: z.array(z.string()),
  // Added with the graded scoring (2026-12): mentions stored before carry neither until re-resolved.
  legalForms: z.array(z.string()).default([]),
  qualifiers: z.array(z.string()).default([]),
  country: z.string().nullable(),
  postcode: z.string().nullable(),
  domain: z.string().nullable(),
});

export const FeatureSchema = z.enum([
  // Graded features (2026-12): each compared once, on one level.
  'registeredId',
  'name',
  'legalForm',
  'qualifier',
  'country',
  'postcode',
  'domain',
  // Features of links made before 2026-12, kept readable in their stored evidence.
  'nameFuzzy',
  'fingerprint',
  'tokens',
  'acronym',
]);
export const EvidenceSchema = z.object({
  feature: FeatureSchema,
  /** The comparison level reached ("exact", "contained", "one-sided", ...), or "missing"; before 2026-12
   * "agree" or "disagree". */
  outcome: z.string().max(40),
  weight: z.number(),
});

export const DeciderSchema = z.object({ funderId: SlugSchema, memberId: SlugSchema });

/** Why a mention belongs to its organisation. */
export const LinkSchema = z.object({
  /** new: no candidate was close enough; auto: scored link; decision: a person decided. */
  method: z.enum(['new', 'auto', 'decision']),
  score: z.number().nullable(),
  evidence: z.array(EvidenceSchema),
  /** The mention it was linked through (auto) or decided against (decision). */
  withMentionId: z.string().nullable(),
  configVersion: z.string(),
  decidedBy: z.union([z.literal('resolver'), DeciderSchema]),
  decidedAt: IsoDateTimeSchema,
});
export type Link = z.infer<typeof LinkSchema>;

/** This record's money is already counted in another record's (see shared/organisations/grant-links.ts). */
export const MoneyLinkSchema = z.object({
  kind: z.enum(['reupload', 'contribution']),
  toMentionId: z.string(),
  evidence: z.array(z.string()),
  decidedBy: z.literal('resolver'),
  decidedAt: IsoDateTimeSchema,
});
export type MoneyLink = z.infer<typeof MoneyLinkSchema>;

export const StoredMentionSchema = z.object({
  mentionId: z.string(),
  funderId: SlugSchema,
  grantId: z.string(),
  index: z.number().int().min(0),
  grantVersion: z.number().int().min(1),
  visibility: VisibilitySchema,
  amount: z.number(),
  currency: z.string(),
  awardDate: z.string(),
  title: z.string(),
  regrantType: z.string().nullable(),
  /** When the grant was first written to the hub: of two copies of a grant, the later one is the re-upload. */
  grantCreatedAt: IsoDateTimeSchema.optional(),
  /** The upload the grant id first came in: copies that first came in one upload are never re-uploads of each other. */
  uploadId: z.string().optional(),
  /** The grant's hub taxonomy (sorted), for the gap rollups; mentions written before it had none. */
  themes: z.array(z.string()).default([]),
  regions: z.array(z.string()).default([]),
  features: MentionFeaturesSchema,
  featuresHash: z.string(),
  blockKeys: z.array(z.string()),
  orgId: z.string(),
  /**
   * The organisation id its money counts under in the gap figures: the part of its organisation that records of
   * the same audience tie together (org-view.ts granteeKeysOf); mentions written before it count on their own.
   */
  granteeKey: z.string().optional(),
  /** The same among its funder's own records only (every one of which its funder reads), for the funder's own view. */
  ownKey: z.string().optional(),
  link: LinkSchema,
  moneyLink: MoneyLinkSchema.nullable(),
  /** Bumped on every write of the item; writes are conditional on the revision that was read. */
  revision: z.number().int().min(1),
});
export type StoredMention = z.infer<typeof StoredMentionSchema>;

export const BlockMemberSchema = z.object({
  mentionId: z.string(),
  funderId: SlugSchema,
  features: MentionFeaturesSchema,
});
export type BlockMember = z.infer<typeof BlockMemberSchema>;

export const StoredOrganisationSchema = z.object({
  orgId: z.string(),
  /**
   * Registered identifiers held by its mentions, with how many mentions hold each: two different numbers
   * in one scheme never share an organisation.
   */
  registrations: z.array(
    z.object({ scheme: z.string(), id: z.string(), canonical: z.string(), count: z.number().int().min(1) }),
  ),
  mentionCount: z.number().int(),
  /**
   * Registrations people confirmed to be one organisation ("a|b", sorted): a charity re-registered under a new
   * number (a successor). Only these pairs of numbers in one scheme may sit in one organisation.
   */
  crosswalks: z.array(z.string()).default([]),
  revision: z.number().int().min(1),
  createdAt: IsoDateTimeSchema,
});
export type StoredOrganisation = z.infer<typeof StoredOrganisationSchema>;

export const DecisionValueSchema = z.enum(['same', 'different']);
export const StoredDecisionSchema = z.object({
  mentionId: z.string(),
  otherMentionId: z.string(),
  decision: DecisionValueSchema,
  /** A decision holds for the recipient as it was written then; a corrected recipient is resolved afresh. */
  featuresHash: z.string(),
  pairId: z.string(),
  decidedBy: DeciderSchema,
  decidedAt: IsoDateTimeSchema,
});
export type StoredDecision = z.infer<typeof StoredDecisionSchema>;

export const PairSideSchema = z.object({
  mentionId: z.string(),
  funderId: SlugSchema,
  grantId: z.string(),
  index: z.number().int(),
  name: z.string(),
  amount: z.number(),
  currency: z.string(),
});
export type PairSide = z.infer<typeof PairSideSchema>;

export const PairStatusSchema = z.enum(['open', 'confirmed', 'rejected', 'split']);
/**
 * possible-successor: the names agree strongly but the registrations differ in one scheme, as when a charity
 * re-registers (a CIO); confirming records the two numbers as one organisation's.
 */
export const PairKindSchema = z.enum(['duplicate', 'possible-successor']);
export const StoredPairSchema = z.object({
  pairId: z.string(),
  kind: PairKindSchema.default('duplicate'),
  a: PairSideSchema,
  b: PairSideSchema,
  score: z.number(),
  evidence: z.array(EvidenceSchema),
  configVersion: z.string(),
  /** Sum of both grants' amounts at face value (currencies are not converted yet). */
  moneyAffected: z.number(),
  status: PairStatusSchema,
  createdAt: IsoDateTimeSchema,
  decidedBy: DeciderSchema.optional(),
  decidedAt: IsoDateTimeSchema.optional(),
  note: z.string().optional(),
  /** Set once the decision's effect on organisations (merge or move) has been fully written. */
  applied: z.boolean().optional(),
});
export type StoredPair = z.infer<typeof StoredPairSchema>;

// --- API shapes ---

export const DuplicateSideViewSchema = PairSideSchema.extend({ orgId: z.string() });
export const DuplicateViewSchema = z.object({
  pairId: z.string(),
  kind: PairKindSchema,
  status: PairStatusSchema,
  a: DuplicateSideViewSchema,
  b: DuplicateSideViewSchema,
  score: z.number(),
  evidence: z.array(EvidenceSchema),
  configVersion: z.string(),
  moneyAffected: z.number(),
  createdAt: IsoDateTimeSchema,
  decidedBy: DeciderSchema.optional(),
  decidedAt: IsoDateTimeSchema.optional(),
  note: z.string().optional(),
});
export type DuplicateView = z.infer<typeof DuplicateViewSchema>;

export const ListDuplicatesQuerySchema = z.strictObject({
  limit: PageLimitSchema,
  cursor: z.string().min(1).max(2048).optional(),
});

export const PairParamsSchema = z.strictObject({
  pairId: z.string().regex(/^[a-f0-9]{24}$/, 'must be a duplicate pair id'),
});
/** `org_` and a record's id in base64url, as the hub shows organisations (shared/organisations/org-view.ts). */
export const OrgIdSchema = z
  .string()
  .max(400)
  .regex(/^org_[A-Za-z0-9_-]+$/, 'must be an organisation id (org_...)');

export const OrganisationParamsSchema = z.strictObject({ orgId: OrgIdSchema });

export const DecideDuplicateRequestSchema = z.strictObject({
  /** confirm: same organisation; reject: different; split: take your own side out of its organisation. */
  decision: z.enum(['confirm', 'reject', 'split']),
  note: plainText(2000).optional(),
});
export type DecideDuplicateRequest = z.infer<typeof DecideDuplicateRequestSchema>;

export const MentionViewSchema = z.object({
  mentionId: z.string(),
  funderId: SlugSchema,
  grantId: z.string(),
  name: z.string(),
  identifiers: z.array(z.string()),
  amount: z.number(),
  currency: z.string(),
  awardDate: z.string(),
  orgId: z.string(),
  /**
   * How it joined its organisation, shown only when the record it was linked through is visible to the
   * caller; otherwise null, exactly as for a mention that started its own organisation, so a link through
   * another funder's private record reveals nothing.
   */
  linkedThrough: LinkSchema.extend({ withMentionId: z.string() }).nullable(),
  /** Shown when the record it points to is visible to the caller, for the same reason. */
  moneyLink: MoneyLinkSchema.nullable(),
});

export const OrganisationViewSchema = z.object({
  orgId: z.string(),
  names: z.array(z.string()),
  identifiers: z.array(z.string()),
  funders: z.array(
    z.object({
      funderId: SlugSchema,
      grants: z.number().int(),
      amounts: z.array(z.object({ currency: z.string(), amount: z.number() })),
    }),
  ),
  /** Money received as far as the caller can see, each linked re-upload or contribution counted once. */
  totals: z.array(z.object({ currency: z.string(), amount: z.number() })),
  mentions: z.array(MentionViewSchema),
});
export type OrganisationView = z.infer<typeof OrganisationViewSchema>;

export const GrantOrganisationsSchema = z.object({
  /**
   * resolved: every recipient resolved at the grant's current version; pending: the table stream has not got
   * to it yet (items empty: ask again shortly); no-recipient-organisation: a grant to an individual.
   */
  status: z.enum(['resolved', 'pending', 'no-recipient-organisation']),
  grantVersion: z.number().int(),
  items: z.array(MentionViewSchema),
});
