// GET /v1/organisations/{orgId}: a canonical organisation as far as your visible records show it.
import { OrganisationParamsSchema } from '../../schemas/organisation.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: OrganisationParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().duplicates.organisation(ctx, params.orgId),
}));
