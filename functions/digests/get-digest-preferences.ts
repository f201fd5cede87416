// GET /v1/me/digest-preferences: how often and about what you get digests.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async ({ ctx }) => ({ body: await getServices().digests.preferences(ctx) }));
