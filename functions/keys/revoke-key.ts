// DELETE /v1/keys/{keyId}: revoke a key at once.
import { KeyParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: KeyParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().keys.revoke(ctx, params.keyId),
}));
