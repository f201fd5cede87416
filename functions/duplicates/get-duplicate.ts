// GET /v1/duplicates/{pairId}: one candidate pair with its evidence.
import { PairParamsSchema } from '../../schemas/organisation.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: PairParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().duplicates.get(ctx, params.pairId),
}));
