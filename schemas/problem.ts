// RFC 9457 problem details, the body of every error response.
import { z } from 'zod';

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('Stable machine-readable error code'),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('Each failing field, as a dotted path into the request'),
});
export type Problem = z.infer<typeof ProblemSchema>;
