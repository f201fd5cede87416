// POST /v1/digests/runs: run the digest schedule now (operator: every funder; admin: its own members).
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ body: true, idempotent: true }, async ({ ctx, body }) => ({
  status: 202,
  body: await getServices().digests.startRun(ctx, body ?? {}),
}));
