// POST /v1/invitations/{collaborativeId}/accept: the invited funder's admin accepts; its funder joins.
import { CollaborativeParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: CollaborativeParamsSchema }, async ({ ctx, params }) => {
  const result = await getServices().tenancy.acceptInvitation(ctx, params.collaborativeId);
  return { status: result.outcome === 'created' ? 201 : 200, body: result };
});
