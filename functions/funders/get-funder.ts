// GET /v1/funders/{funderId}
import { FunderParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: FunderParamsSchema }, async ({ params }) => ({
  body: await getServices().tenancy.getFunder(params.funderId),
}));
