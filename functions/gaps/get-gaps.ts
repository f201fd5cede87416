// GET /v1/gaps: co-investment gap cells (theme x region x year, any grouping) as far as the caller may see.
import { GapQuerySchema } from '../../schemas/gaps.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: GapQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().gaps.gaps(ctx, query),
}));
