// GET /v1/keys: your keys (admins: all keys of the funder); never the secrets.
import { route } from '../../shared/http/route.ts';
import { getServices } from '../../shared/services.ts';

export const handler = route({}, async ({ principal }) => ({
  body: await getServices().keys.list(principal),
}));
