// PATCH /v1/members/{memberId}: admins change a member's role.
import { MemberParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: MemberParamsSchema, body: true }, async ({ ctx, params, body }) => ({
  body: await getServices().tenancy.updateMember(ctx, params.memberId, body),
}));
