// GET /v1/digests: delivery status of your digests (admins: every member of the funder, or one by ?member=).
import { ListDigestsQuerySchema } from '../../schemas/digest.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: ListDigestsQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().digests.list(ctx, query),
}));
