// GET /v1/duplicates: your open review queue, most money affected first.
import { ListDuplicatesQuerySchema } from '../../schemas/organisation.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: ListDuplicatesQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().duplicates.list(ctx, query),
}));
