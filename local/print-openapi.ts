// `npm run openapi`: prints the OpenAPI 3.1 document generated from the zod schemas.
import { buildOpenApiDocument } from '../shared/http/openapi.ts';

console.log(JSON.stringify(buildOpenApiDocument(), null, 2));
