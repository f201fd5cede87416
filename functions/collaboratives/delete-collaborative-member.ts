// DELETE /v1/collaboratives/{collaborativeId}/members/{funderId}: secretariat admins remove a member funder.
import { CollaborativeMemberParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: CollaborativeMemberParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().tenancy.removeCollaborativeMember(ctx, params.collaborativeId, params.funderId),
}));
