// GET /v1/invitations: collaboratives' invitations waiting for the caller's funder (its admins).
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async ({ ctx }) => ({
  body: await getServices().tenancy.listInvitations(ctx.principal),
}));
