// GET /v1/grants/{funderId}/{grantId}
import { GrantParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: GrantParamsSchema }, async ({ ctx, params }) => {
  const grant = await getServices().grants.get(ctx, params.funderId, params.grantId);
  return { body: grant, headers: { etag: `"${grant.version}"` } };
});
