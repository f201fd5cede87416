// POST /v1/keys: issue a key, returned once.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ body: true, idempotent: true }, async ({ ctx, body }) => ({
  status: 201,
  body: await getServices().keys.create(ctx, body),
}));
