// GET /v1/opportunities/{opportunityId}/suggestions: funders worth asking, with the reason, from what you may see.
import { OpportunityParamsSchema } from '../../schemas/opportunity.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: OpportunityParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().opportunities.suggestions(ctx, params.opportunityId),
}));
