// GET /v1/me: who the key acts as.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async ({ principal }) => {
  const { tenancy } = getServices();
  const [funder, member] = await Promise.all([
    tenancy.getFunder(principal.funderId),
    tenancy.getOwnMember(principal),
  ]);
  return { body: { principal, funder, member } };
});
