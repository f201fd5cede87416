// Exports: pages of 360Giving grants the caller may see (or only the public ones, as open data).
import { z } from 'zod';
import { queryInteger } from './common.ts';
import { ListGrantsQuerySchema } from './grant.ts';

export const MAX_EXPORT_PAGE = 1000;

export const ExportQuerySchema = ListGrantsQuerySchema.extend({
  limit: queryInteger(1, MAX_EXPORT_PAGE).default(500),
  format: z.enum(['json', 'csv']).default('json'),
  /** `public`: only open data (visibility public), publishable as 360Giving as it is. */
  scope: z.enum(['visible', 'public']).default('visible'),
});
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

export const ExportPageSchema = z.object({
  grants: z.array(z.record(z.string(), z.unknown())).describe('360Giving grants, extra fields restored'),
  nextCursor: z.string().nullable(),
  validation: z.object({
    schema: z.string().describe('The 360Giving schema the page was validated against'),
    valid: z.number().int(),
    invalid: z.array(
      z.object({ id: z.string(), errors: z.array(z.object({ field: z.string(), message: z.string() })) }),
    ),
  }),
});
export type ExportPage = z.infer<typeof ExportPageSchema>;
