// POST /v1/collaboratives: hub operator only.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ body: true, idempotent: true }, async ({ ctx, body }) => ({
  status: 201,
  body: await getServices().tenancy.createCollaborative(ctx, body),
}));
