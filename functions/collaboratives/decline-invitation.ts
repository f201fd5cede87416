// POST /v1/invitations/{collaborativeId}/decline: the invited funder's admin declines.
import { CollaborativeParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: CollaborativeParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().tenancy.declineInvitation(ctx, params.collaborativeId),
}));
