// Path parameters of every route.
import { z } from 'zod';
import { SlugSchema } from './common.ts';
import { GrantIdSchema } from './grant.ts';

export const FunderParamsSchema = z.strictObject({ funderId: SlugSchema });
export const CollaborativeParamsSchema = z.strictObject({ collaborativeId: SlugSchema });
export const CollaborativeMemberParamsSchema = z.strictObject({
  collaborativeId: SlugSchema,
  funderId: SlugSchema,
});
export const MemberParamsSchema = z.strictObject({ memberId: SlugSchema });
export const KeyParamsSchema = z.strictObject({
  keyId: z.string().regex(/^[a-z0-9]{16}$/, 'must be a key id'),
});
export const GrantParamsSchema = z.strictObject({ funderId: SlugSchema, grantId: GrantIdSchema });
