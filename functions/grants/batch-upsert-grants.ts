// POST /v1/grants/batch: up to 100 grants; each is accepted, unchanged or rejected on its own.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;

export const handler = route(
  { body: true, maxBodyBytes: MAX_BATCH_BODY_BYTES, idempotent: true },
  async ({ ctx, body }) => ({ body: await getServices().grants.batchUpsert(ctx, body) }),
);
