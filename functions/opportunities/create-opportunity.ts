// POST /v1/opportunities: post a co-funding ask (editor).
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ body: true, idempotent: true }, async ({ ctx, body }) => ({
  status: 201,
  body: await getServices().opportunities.create(ctx, body),
}));
