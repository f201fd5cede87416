// GET /v1/opportunities: the asks you may see, yours first, with their derived unmet amounts.
import { ListOpportunitiesQuerySchema } from '../../schemas/opportunity.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: ListOpportunitiesQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().opportunities.list(ctx, query),
}));
