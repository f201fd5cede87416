// The principal travels from the authorizer to handlers as flat string context (API Gateway's rule).
import { z } from 'zod';
import { type Principal, PrincipalSchema } from '../../schemas/tenancy.ts';

export type AuthorizerContext = Record<'funderId' | 'memberId' | 'keyId' | 'role' | 'collaboratives', string>;

export function toAuthorizerContext(principal: Principal): AuthorizerContext {
  return {
    funderId: principal.funderId,
    memberId: principal.memberId,
    keyId: principal.keyId,
    role: principal.role,
    collaboratives: principal.collaboratives.join(','),
  };
}

const ContextSchema = z.object({
  funderId: z.string(),
  memberId: z.string(),
  keyId: z.string(),
  role: z.string(),
  collaboratives: z.string(),
});

/** Returns null when the request carries no verified principal. */
export function principalFromContext(context: unknown): Principal | null {
  const flat = ContextSchema.safeParse(context);
  if (!flat.success) return null;
  const principal = PrincipalSchema.safeParse({
    ...flat.data,
    collaboratives: flat.data.collaboratives ? flat.data.collaboratives.split(',') : [],
  });
  return principal.success ? principal.data : null;
}
