// GET /v1/dead-letters: the stream records set aside (operator).
import { ListDeadLettersQuerySchema } from '../../schemas/dead-letter.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: ListDeadLettersQuerySchema }, async ({ ctx, query }) => ({
  body: await getServices().deadLetters.list(ctx, query.status),
}));
