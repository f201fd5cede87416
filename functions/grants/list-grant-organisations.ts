// GET /v1/grants/{funderId}/{grantId}/organisations: what the grant's recipients resolved to.
import { GrantParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: GrantParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().duplicates.ofGrant(ctx, params.funderId, params.grantId),
}));
