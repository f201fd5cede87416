// PUT /v1/collaboratives/{collaborativeId}/members/{funderId}: secretariat admins invite a funder (202); it is a
// member once its admin accepts. The secretariat's own funder joins at once (201).
import { CollaborativeMemberParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: CollaborativeMemberParamsSchema }, async ({ ctx, params }) => {
  const result = await getServices().tenancy.addCollaborativeMember(
    ctx,
    params.collaborativeId,
    params.funderId,
  );
  return { status: { invited: 202, created: 201, unchanged: 200 }[result.outcome], body: result };
});
