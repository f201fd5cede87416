// Co-investment gaps: the query, what one cell shows, portfolio concentration, and the stored rollup shapes.
import { z } from 'zod';
import { queryInteger, SlugSchema } from './common.ts';
import { RegionSchema, ThemeSchema } from './taxonomy.ts';

/** A grant without a theme or region is rolled up under this value, so no money falls out of the totals. */
export const UNCLASSIFIED = '-';

export const GapDimensionSchema = z.enum(['theme', 'region', 'year']);
export type GapDimension = z.infer<typeof GapDimensionSchema>;

const Year = queryInteger(1900, 2100);

const GroupBySchema = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const parts = value === '' ? [] : value.split(',');
    const dims: GapDimension[] = [];
    for (const part of parts) {
      const parsed = GapDimensionSchema.safeParse(part.trim());
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not one of theme, region, year` });
        return z.NEVER;
      }
      if (!dims.includes(parsed.data)) dims.push(parsed.data);
    }
    return dims;
  });

export const GapQuerySchema = z
  .strictObject({
    theme: ThemeSchema.optional(),
    region: RegionSchema.optional(),
    yearFrom: Year.optional(),
    yearTo: Year.optional(),
    /** Only the funders of this collaborative (its members and pooled sub-funds), over what you may see. */
    collaborative: SlugSchema.optional(),
    /** Comma-separated dimensions, e.g. "theme,region" (the default) for a heat map; "" for one total. */
    groupBy: GroupBySchema.default(['theme', 'region']),
  })
  .refine((q) => q.yearFrom === undefined || q.yearTo === undefined || q.yearFrom <= q.yearTo, {
    message: 'must not be after yearTo',
    path: ['yearFrom'],
  });
export type GapQuery = z.infer<typeof GapQuerySchema>;

export const PortfolioQuerySchema = z
  .strictObject({
    funder: SlugSchema.optional(),
    theme: ThemeSchema.optional(),
    region: RegionSchema.optional(),
    yearFrom: Year.optional(),
    yearTo: Year.optional(),
  })
  .refine((q) => q.yearFrom === undefined || q.yearTo === undefined || q.yearFrom <= q.yearTo, {
    message: 'must not be after yearTo',
    path: ['yearFrom'],
  });
export type PortfolioQuery = z.infer<typeof PortfolioQuerySchema>;

const Money = z.number().describe('in the reporting currency (USD), 2 decimals');

export const DependentGranteeSchema = z.object({
  orgId: z.string(),
  name: z.string().nullable(),
  funderId: SlugSchema,
  share: z.number(),
  amount: Money,
  /** The funder it depends on is exiting or has stopped granting here. */
  atRisk: z.boolean(),
});

export const GapCellViewSchema = z.object({
  theme: z.string().nullable(),
  region: z.string().nullable(),
  year: z.number().int().nullable(),
  /** Over the records you may read, exactly (as are every other figure of the row but the next). */
  totalAwarded: Money,
  /**
   * All funders' private money in this row (yours too), perturbed: each funder's private money in each finest cell
   * counts multiplied by a factor between 0.70 and 0.85 or 1.15 and 1.30 kept secret, and a finest cell counts
   * only when at least k funders have private money there and none dominates it (README "Disclosure"). The same
   * for every caller; null when no cell of the row may show one. Whole dollars.
   */
  privateFundingEstimate: Money.nullable(),
  /**
   * Grants in this row: a grant with several themes or regions counts its share in each (a half for two themes),
   * as its money does, so rows and columns add up to the grants awarded (two decimals).
   */
  grants: z.number(),
  funders: z.number().int(),
  topFunder: z.object({ funderId: SlugSchema, share: z.number() }).nullable(),
  /** Herfindahl-Hirschman index of funder shares, 0..1 (1: one funder). */
  hhi: z.number().nullable(),
  /** Given when the query names a theme (grantee figures are read per theme); null for a whole heat map. */
  dependentGrantees: z
    .object({
      count: z.number().int(),
      /** The largest, where you may see every record behind the dependency (at most 10). */
      items: z.array(DependentGranteeSchema),
    })
    .nullable(),
  exitingFunders: z.object({ count: z.number().int(), funderIds: z.array(SlugSchema) }),
  stoppedFunders: z.array(z.object({ funderId: SlugSchema, lastYear: z.number().int() })),
  /** FRG040 contributions to pooled funds: counted where the pooled fund grants them, not here. */
  contributionsToPooledFunds: Money,
  /** Grants whose currency and year the FX table cannot convert (left out of the amounts). */
  unconvertedGrants: z.number(),
  /**
   * Open co-funding asks you may see in this cell's themes, regions and deadline years, with their unmet amounts
   * in USD (an ask with two themes counts in both theme cells).
   */
  openAsks: z.object({ count: z.number().int(), unmet: Money }),
});
export type GapCellView = z.infer<typeof GapCellViewSchema>;

export const FxInfoSchema = z.object({
  reportingCurrency: z.literal('USD'),
  table: z.string(),
  source: z.string(),
  /** Years converted with the last published year's rate. */
  provisionalYears: z.array(z.number().int()),
});

export const GapResponseSchema = z.object({
  groupBy: z.array(GapDimensionSchema),
  /** The disclosure rule the private figures follow (README "Disclosure"). */
  privacy: z.object({
    k: z.number().int(),
    p: z.number(),
    noise: z.object({ min: z.number(), max: z.number() }),
  }),
  fx: FxInfoSchema,
  cells: z.array(GapCellViewSchema),
  /**
   * Every cell of the answer together, each grant and dollar once (a multi-theme grant is not counted once per
   * theme): what the rows add up to.
   */
  total: z.object({
    totalAwarded: Money,
    privateFundingEstimate: Money.nullable(),
    grants: z.number(),
    funders: z.number().int(),
  }),
});
export type GapResponse = z.infer<typeof GapResponseSchema>;

export const PortfolioViewSchema = z.object({
  funderId: SlugSchema,
  /** Over the funder's records you may read (all of them for your own funder). */
  totalAwarded: Money,
  grants: z.number(),
  grantees: z.number().int(),
  largestGrantee: z
    .object({ orgId: z.string(), name: z.string().nullable(), amount: Money, share: z.number() })
    .nullable(),
});
export const PortfolioResponseSchema = z.object({
  fx: FxInfoSchema,
  items: z.array(PortfolioViewSchema),
});

// --- Stored rollups ---

export const CellRefSchema = z.object({
  year: z.number().int(),
  theme: z.string(),
  region: z.string(),
});
export type CellRef = z.infer<typeof CellRefSchema>;

/** What one mention adds to one cell: rollup attribute name -> amount (cents) or count. */
export const CellContributionSchema = z.object({
  cell: CellRefSchema,
  values: z.record(z.string(), z.number()),
});
export type CellContribution = z.infer<typeof CellContributionSchema>;

/** Per mention: what it currently contributes, and which state of the mention that is (for idempotency). */
export const RollupStateSchema = z.object({
  mentionId: z.string(),
  /** Sortable: grant version, mention revision, removed flag; a record is applied only if it sorts later. */
  appliedKey: z.string(),
  contribution: z.array(CellContributionSchema),
});
export type RollupState = z.infer<typeof RollupStateSchema>;

export const StoredCellSchema = z.looseObject({
  year: z.number().int(),
  theme: z.string(),
  region: z.string(),
});
