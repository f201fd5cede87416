// GET /v1/collaboratives
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async () => ({ body: await getServices().tenancy.listCollaboratives() }));
