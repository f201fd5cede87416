// Co-funding opportunities (asks) and pledges: requests, stored shapes and views. The unmet amount is derived
// from the ask and its pledges whenever it is shown, never stored.
import { z } from 'zod';
import { CURRENCY_CODES } from './codelists/codes.ts';
import { DateOrDateTimeSchema, IsoDateTimeSchema, queryInteger, SlugSchema } from './common.ts';
import { VisibilitySchema } from './grant.ts';
import { OrgIdSchema } from './organisation.ts';
import { nameText, plainText } from './storable.ts';
import { RegionSchema, ThemeSchema } from './taxonomy.ts';

const Money = z.number().finite().min(0).max(1e13);

export const OpportunityIdSchema = z
  .string()
  .regex(/^opp_[0-9a-f-]{36}$/, 'must be an opportunity id (opp_...)');

export const OpportunityRecipientSchema = z.strictObject({
  name: nameText(1, 1000),
  /** The hub organisation, when known (from an organisation page or a grant's organisations). */
  orgId: OrgIdSchema.optional(),
  /** An org-id identifier such as GB-CHC-1234567. */
  identifier: z.string().min(1).max(256).optional(),
});

export const OpportunityStatusSchema = z.enum(['open', 'closed', 'withdrawn']);

const AskFields = {
  title: nameText(1, 300),
  description: plainText(5000).default(''),
  recipient: OpportunityRecipientSchema,
  themes: z.array(ThemeSchema).min(1).max(10),
  regions: z.array(RegionSchema).min(1).max(10),
  currency: z.enum(CURRENCY_CODES, { error: 'must be an ISO 4217 currency code' }),
  budget: Money.refine((v) => v > 0, 'must be more than 0'),
  amountSecured: Money.default(0),
  deadline: DateOrDateTimeSchema,
  visibility: VisibilitySchema.default('hub'),
};

export const CreateOpportunityRequestSchema = z
  .strictObject(AskFields)
  .refine((o) => o.amountSecured <= o.budget, { message: 'must not exceed budget', path: ['amountSecured'] });
export type CreateOpportunityRequest = z.infer<typeof CreateOpportunityRequestSchema>;

export const UpdateOpportunityRequestSchema = z
  .strictObject({
    title: AskFields.title,
    description: plainText(5000),
    budget: AskFields.budget,
    amountSecured: Money,
    deadline: AskFields.deadline,
    status: OpportunityStatusSchema,
  })
  .partial()
  .refine((o) => Object.keys(o).length > 0, { message: 'must change at least one field', path: [] });

export const PledgeStatusSchema = z.enum(['interested', 'committed', 'paid', 'withdrawn']);
export type PledgeStatus = z.infer<typeof PledgeStatusSchema>;

/** Your funder's pledge to an ask: PUT again to move it on (interested -> committed -> paid, or withdrawn). */
export const PledgeRequestSchema = z.strictObject({
  amount: Money.refine((v) => v > 0, 'must be more than 0'),
  status: PledgeStatusSchema,
  note: plainText(1000).optional(),
});

export const StoredOpportunitySchema = z.object({
  id: OpportunityIdSchema,
  funderId: SlugSchema,
  postedBy: SlugSchema,
  title: z.string(),
  description: z.string(),
  recipient: OpportunityRecipientSchema,
  themes: z.array(ThemeSchema),
  regions: z.array(RegionSchema),
  currency: z.string(),
  budget: z.number(),
  amountSecured: z.number(),
  deadline: z.string(),
  visibility: VisibilitySchema,
  status: OpportunityStatusSchema,
  revision: z.number().int().min(1),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type StoredOpportunity = z.infer<typeof StoredOpportunitySchema>;

export const StoredPledgeSchema = z.object({
  opportunityId: OpportunityIdSchema,
  funderId: SlugSchema,
  amount: z.number(),
  status: PledgeStatusSchema,
  note: z.string().optional(),
  history: z.array(
    z.object({ status: PledgeStatusSchema, amount: z.number(), at: IsoDateTimeSchema, by: SlugSchema }),
  ),
  revision: z.number().int().min(1),
  updatedAt: IsoDateTimeSchema,
});
export type StoredPledge = z.infer<typeof StoredPledgeSchema>;

export const PledgeViewSchema = StoredPledgeSchema.omit({ opportunityId: true });

export const OpportunityViewSchema = StoredOpportunitySchema.omit({ postedBy: true }).extend({
  /** Sums of the pledges by status (withdrawn ones left out). */
  pledged: z.object({ interested: z.number(), committed: z.number(), paid: z.number() }),
  /** budget - amountSecured - committed - paid, never below 0: derived on every read. */
  unmet: z.number(),
  /** All pledges for the ask's owner; your own pledge for anyone else. */
  pledges: z.array(PledgeViewSchema),
});
export type OpportunityView = z.infer<typeof OpportunityViewSchema>;

export const OpportunityParamsSchema = z.strictObject({ opportunityId: OpportunityIdSchema });

export const ListOpportunitiesQuerySchema = z.strictObject({
  limit: queryInteger(1, 50).default(20),
  cursor: z.string().min(1).max(4096).optional(),
  status: OpportunityStatusSchema.optional(),
  theme: ThemeSchema.optional(),
  region: RegionSchema.optional(),
  funder: SlugSchema.optional(),
});
export type ListOpportunitiesQuery = z.infer<typeof ListOpportunitiesQuerySchema>;

export const SuggestionSchema = z.object({
  funderId: SlugSchema,
  score: z.number(),
  /** Why, from records you may read: grants to the recipient, money in the ask's themes and regions. */
  reasons: z.array(z.string()),
});
export const SuggestionsResponseSchema = z.object({ items: z.array(SuggestionSchema) });
