// POST /v1/duplicates/{pairId}/decision: confirm, reject or split; kept against later automatic runs.
import { DecideDuplicateRequestSchema, PairParamsSchema } from '../../schemas/organisation.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';
import { parseOrThrow } from '../../shared/validation.ts';

export const handler = route({ params: PairParamsSchema, body: true }, async ({ ctx, params, body }) => ({
  body: await getServices().duplicates.decide(
    ctx,
    params.pairId,
    parseOrThrow(DecideDuplicateRequestSchema, body),
  ),
}));
