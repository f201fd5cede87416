// GET /v1/digests/preview: what your next digest would say now (content, subject, text and HTML).
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async ({ ctx }) => ({ body: await getServices().digests.preview(ctx) }));
