// PUT /v1/grants/{funderId}/{grantId}: create or replace one of your own funder's grants.
import { GrantParamsSchema } from '../../schemas/params.ts';
import { ifMatchVersion, route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const MAX_GRANT_BODY_BYTES = 256 * 1024;

export const handler = route(
  { params: GrantParamsSchema, body: true, maxBodyBytes: MAX_GRANT_BODY_BYTES, idempotent: true },
  async ({ ctx, params, body, headers }) => {
    const result = await getServices().grants.put(
      ctx,
      params.funderId,
      params.grantId,
      body,
      ifMatchVersion(headers),
    );
    return {
      status: result.outcome === 'created' ? 201 : 200,
      body: result,
      ...(result.grant ? { headers: { etag: `"${result.grant.version}"` } } : {}),
    };
  },
);
