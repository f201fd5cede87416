// DELETE /v1/grants/{funderId}/{grantId}: a tombstone version; earlier versions stay in the history.
import { GrantParamsSchema } from '../../schemas/params.ts';
import { ifMatchVersion, route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: GrantParamsSchema }, async ({ ctx, params, headers }) => ({
  body: await getServices().grants.remove(ctx, params.funderId, params.grantId, ifMatchVersion(headers)),
}));
