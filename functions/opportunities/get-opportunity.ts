// GET /v1/opportunities/{opportunityId}: one ask you may see, with the pledges you may see.
import { OpportunityParamsSchema } from '../../schemas/opportunity.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: OpportunityParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().opportunities.get(ctx, params.opportunityId),
}));
