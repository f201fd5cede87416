// GET /v1/funders: the hub's funders (public profile data).
import { PageQuerySchema } from '../../schemas/common.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: PageQuerySchema }, async ({ principal, query }) => ({
  body: await getServices().tenancy.listFunders(principal, query),
}));
