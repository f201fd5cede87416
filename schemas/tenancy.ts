// Funders, collaboratives, members, API keys and the verified principal a request acts as.
import { z } from 'zod';
import { IsoDateTimeSchema, SlugSchema } from './common.ts';
import { DigestPreferencesSchema } from './digest.ts';
import { nameText } from './storable.ts';

/** org-id.guide identifier such as GB-CHC-1000147 or US-EIN-131723055. */
export const OrgIdSchema = z
  .string()
  .max(128)
  // A funder registered nowhere has a 360Giving publisher id (360G-...), as the standard allows.
  .regex(
    /^(?:[A-Z]{2}-[A-Z0-9]{2,8}|360G)-\S+$/,
    'must be an org-id identifier such as GB-CHC-1000147 (or a 360G- id)',
  );

export const FunderStatusSchema = z.enum(['active', 'exiting']);
export const FunderKindSchema = z.enum(['funder', 'pooled-fund', 'operator']);

export const FunderSchema = z.object({
  id: SlugSchema,
  name: z.string().min(1).max(200),
  kind: FunderKindSchema,
  identifiers: z.array(OrgIdSchema).max(20),
  status: FunderStatusSchema,
  /** For a pooled fund: the collaborative whose members contribute to it. */
  subFundOf: SlugSchema.optional(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type Funder = z.infer<typeof FunderSchema>;

export const CreateFunderRequestSchema = z.strictObject({
  id: SlugSchema,
  name: nameText(1, 200),
  kind: z.enum(['funder', 'pooled-fund']).default('funder'),
  identifiers: z.array(OrgIdSchema).max(20).default([]),
  status: FunderStatusSchema.default('active'),
  subFundOf: SlugSchema.optional(),
  /** The funder's first admin; their API key is returned once in the response. */
  admin: z.strictObject({ id: SlugSchema, name: nameText(1, 200), email: z.email() }).optional(),
});
export type CreateFunderRequest = z.infer<typeof CreateFunderRequestSchema>;

export const UpdateFunderRequestSchema = z
  .strictObject({
    name: nameText(1, 200).optional(),
    identifiers: z.array(OrgIdSchema).max(20).optional(),
    status: FunderStatusSchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field must be given');

export const CollaborativeSchema = z.object({
  id: SlugSchema,
  name: z.string().min(1).max(200),
  /** The funder whose admins act as the collaborative's secretariat. */
  secretariat: SlugSchema,
  createdAt: IsoDateTimeSchema,
});
export type Collaborative = z.infer<typeof CollaborativeSchema>;

export const CollaborativeViewSchema = CollaborativeSchema.extend({
  members: z.array(SlugSchema),
  subFunds: z.array(SlugSchema),
});
export type CollaborativeView = z.infer<typeof CollaborativeViewSchema>;

export const CreateCollaborativeRequestSchema = z.strictObject({
  id: SlugSchema,
  name: nameText(1, 200),
  secretariat: SlugSchema,
});

export const MembershipSchema = z.object({
  collaborativeId: SlugSchema,
  funderId: SlugSchema,
  joinedAt: IsoDateTimeSchema,
});
export type Membership = z.infer<typeof MembershipSchema>;

/** A funder is a member only after its admin accepts the secretariat's invitation. */
export const InvitationSchema = z.object({
  collaborativeId: SlugSchema,
  funderId: SlugSchema,
  invitedAt: IsoDateTimeSchema,
  /** The secretariat admin who invited (a member id of the secretariat funder). */
  invitedBy: SlugSchema,
});
export type Invitation = z.infer<typeof InvitationSchema>;

export const RoleSchema = z.enum(['viewer', 'editor', 'admin', 'operator']);
export type Role = z.infer<typeof RoleSchema>;

export const MemberSchema = z.object({
  id: SlugSchema,
  funderId: SlugSchema,
  name: z.string().min(1).max(200),
  email: z.email(),
  role: RoleSchema,
  /** Absent until the member changes it: weekly, all themes and regions. */
  digest: DigestPreferencesSchema.optional(),
  /** When the digest settings last changed; unsubscribe links sent before it no longer turn digests off. */
  digestChangedAt: IsoDateTimeSchema.optional(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type Member = z.infer<typeof MemberSchema>;

export const CreateMemberRequestSchema = z.strictObject({
  id: SlugSchema,
  name: nameText(1, 200),
  email: z.email(),
  role: z.enum(['viewer', 'editor', 'admin']),
});

export const UpdateMemberRequestSchema = z.strictObject({
  role: z.enum(['viewer', 'editor', 'admin']),
});

export const ApiKeyRecordSchema = z.object({
  keyId: z.string().regex(/^[a-z0-9]{16}$/),
  funderId: SlugSchema,
  memberId: SlugSchema,
  label: z.string().max(100),
  /** sha256 of the whole key, hex; the key itself is never stored. */
  secretHash: z.string().regex(/^[a-f0-9]{64}$/),
  createdAt: IsoDateTimeSchema,
  expiresAt: IsoDateTimeSchema,
  revokedAt: IsoDateTimeSchema.optional(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;

export const ApiKeyViewSchema = ApiKeyRecordSchema.omit({ secretHash: true });
export type ApiKeyView = z.infer<typeof ApiKeyViewSchema>;

export const CreateApiKeyRequestSchema = z.strictObject({
  label: nameText(1, 100).default('api key'),
  /** Admins may create a key for another member of their own funder. */
  memberId: SlugSchema.optional(),
  expiresInDays: z.number().int().min(1).max(365).default(90),
});

export const CreatedApiKeySchema = ApiKeyViewSchema.extend({
  apiKey: z
    .string()
    .nullable()
    .describe('The key itself: shown once, store it now (null in a replay of the request that made it)'),
  /** In a replay (the same Idempotency-Key): why `apiKey` is null. */
  apiKeyShown: z.string().optional(),
});

export const CreatedFunderSchema = z.object({
  funder: FunderSchema,
  admin: MemberSchema.optional(),
  adminKey: CreatedApiKeySchema.optional().describe(
    'Hand to the admin; they should create their own key and revoke this one',
  ),
});

/** Who a request acts as; built only by the authorizer from a verified key. */
export const PrincipalSchema = z.object({
  funderId: SlugSchema,
  memberId: SlugSchema,
  keyId: z.string(),
  role: RoleSchema,
  collaboratives: z.array(SlugSchema),
});
export type Principal = z.infer<typeof PrincipalSchema>;

export const MeSchema = z.object({
  principal: PrincipalSchema,
  member: MemberSchema,
  funder: FunderSchema,
});
