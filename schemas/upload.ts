// An upload's processing status: how many of the grants it wrote the hub has resolved and rolled up so far.
import { z } from 'zod';
import { UploadIdSchema } from './grant.ts';

export const UploadParamsSchema = z.strictObject({ uploadId: UploadIdSchema });

export const UploadStatusSchema = z.object({
  uploadId: z.string(),
  funderId: z.string(),
  /** Grants this upload created or changed (unchanged ones needed no processing and are not counted). */
  grants: z.number().int(),
  /** Their recipients resolved to organisations (at the version this upload wrote, or later). */
  resolved: z.number().int(),
  /** Resolved, and their money in the gap cells. */
  rolledUp: z.number().int(),
  /** Waiting for a stream record that was set aside (see `cofund dead-letters`, operator). */
  setAside: z.number().int(),
  pending: z.object({ resolution: z.number().int(), rollup: z.number().int() }),
  /** Every grant resolved and rolled up, or set aside. */
  done: z.boolean(),
});
export type UploadStatus = z.infer<typeof UploadStatusSchema>;
