// PATCH /v1/funders/{funderId}: hub operator only (name, identifiers, status such as exiting).
import { FunderParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: FunderParamsSchema, body: true }, async ({ ctx, params, body }) => ({
  body: await getServices().tenancy.updateFunder(ctx, params.funderId, body),
}));
