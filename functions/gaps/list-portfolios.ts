// GET /v1/gaps/portfolios: per funder, the share of its money going to its largest grantee.
import { PortfolioQuerySchema } from '../../schemas/gaps.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: PortfolioQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().gaps.portfolios(ctx, query),
}));
