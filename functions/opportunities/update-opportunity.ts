// PATCH /v1/opportunities/{opportunityId}: the owner changes its ask (budget, secured, deadline, status...).
import { OpportunityParamsSchema } from '../../schemas/opportunity.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route(
  { params: OpportunityParamsSchema, body: true },
  async ({ ctx, params, body }) => ({
    body: await getServices().opportunities.update(ctx, params.opportunityId, body),
  }),
);
