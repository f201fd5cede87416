// RFC 9457 problem details, the body of every error response.
import { z } from 'zod';

/** One failing field: its dotted path, why, and (for a value the caller sent) that value, shortened. */
export const FieldErrorSchema = z.object({
  field: z.string(),
  message: z.string(),
  value: z.string().optional().describe('The value that was refused, as text (at most 200 characters)'),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string().describe('Stable machine-readable error code'),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z
    .array(FieldErrorSchema)
    .optional()
    .describe('Each failing field, as a dotted path into the request'),
});
export type Problem = z.infer<typeof ProblemSchema>;
