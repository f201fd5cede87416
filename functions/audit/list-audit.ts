// GET /v1/audit: admins read their own funder's audit log, newest first.
import { ListAuditQuerySchema } from '../../schemas/audit.ts';
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({ query: ListAuditQuerySchema }, async ({ principal, query }) => ({
  body: await getServices().audit.list(principal, query),
}));
