// GET /v1/collaboratives/{collaborativeId}
import { CollaborativeParamsSchema } from '../../schemas/params.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ params: CollaborativeParamsSchema }, async ({ params }) => ({
  body: await getServices().tenancy.getCollaborative(params.collaborativeId),
}));
