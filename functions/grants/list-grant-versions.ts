// GET /v1/grants/{funderId}/{grantId}/versions: the owner's full history of a grant.
import { GrantParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: GrantParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().grants.versions(ctx, params.funderId, params.grantId),
}));
