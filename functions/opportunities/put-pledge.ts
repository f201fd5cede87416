// PUT /v1/opportunities/{opportunityId}/pledge: your funder's pledge to an ask, created or moved on.
import { OpportunityParamsSchema } from '../../schemas/opportunity.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route(
  { params: OpportunityParamsSchema, body: true, idempotent: true },
  async ({ ctx, params, body }) => ({
    body: await getServices().opportunities.pledge(ctx, params.opportunityId, body),
  }),
);
