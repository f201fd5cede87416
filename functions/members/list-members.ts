// GET /v1/members: admins list their own funder's members.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async ({ principal }) => ({
  body: await getServices().tenancy.listMembers(principal),
}));
