// GET /v1/uploads/{uploadId}: how far the hub has processed one of your funder's uploads.
import { UploadParamsSchema } from '../../schemas/upload.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: UploadParamsSchema }, async ({ ctx, params }) => ({
  body: await getServices().uploads.status(ctx.principal, params.uploadId),
}));
