// GET /v1/grants/count: how many grants the caller may see match the filters.
import { CountGrantsQuerySchema } from '../../schemas/grant.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: CountGrantsQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().grants.count(ctx, query),
}));
