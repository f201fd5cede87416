// GET /v1/grants: grants the caller may see, filtered and cursor-paginated.
import { ListGrantsQuerySchema } from '../../schemas/grant.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: ListGrantsQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().grants.list(ctx, query),
}));
