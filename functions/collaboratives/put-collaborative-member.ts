// PUT /v1/collaboratives/{collaborativeId}/members/{funderId}: secretariat admins add a member funder.
import { CollaborativeMemberParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: CollaborativeMemberParamsSchema }, async ({ ctx, params }) => {
  const result = await getServices().tenancy.addCollaborativeMember(
    ctx,
    params.collaborativeId,
    params.funderId,
  );
  return { status: result.outcome === 'created' ? 201 : 200, body: result };
});
