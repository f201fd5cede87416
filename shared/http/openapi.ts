// Builds the OpenAPI 3.1 document from the route manifest and the zod schemas: no hand-written spec.
import { z } from 'zod';
import { ProblemSchema } from '../../schemas/problem.ts';
import { type RouteDefinition, routes } from './route-manifest.ts';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return rest;
}

function parameters(route: RouteDefinition) {
  const out: JsonSchema[] = [];
  for (const [location, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input');
    const properties = (js.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(properties)) {
      out.push({ name, in: location, required: location === 'path' || required.has(name), schema: prop });
    }
  }
  if (route.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Replays within 24 h return the first response; reuse with another body is rejected (422).',
      schema: { type: 'string', minLength: 8, maxLength: 128 },
    });
  }
  if (route.operationId === 'putGrant' || route.operationId === 'deleteGrant') {
    out.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'Only write if the grant is still at this version (0: must not exist); else 412.',
      schema: { type: 'string' },
    });
  }
  return out;
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export function buildOpenApiDocument(serverUrl = '/'): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: parameters(route),
      responses: {
        [String(route.successStatus)]: {
          description: 'Success',
          content: {
            [route.responseContentType ?? 'application/json']: {
              schema: jsonSchema(route.response, 'output'),
            },
          },
        },
        ...(route.auth
          ? {
              '400': problemResponse('Invalid input; `errors` names each failing field'),
              '401': { description: 'No API key (answered by the gateway)' },
              '403': problemResponse('Key unknown, expired or revoked (gateway), or action not allowed'),
              '404': problemResponse('Not found, or not visible to you'),
              '409': problemResponse('Conflicting concurrent write'),
              '413': problemResponse('Body too large'),
            }
          : route.path === '/v1/digests/unsubscribe'
            ? {
                '400': problemResponse('The link is forged, expired, or older than the digest settings'),
                '429': problemResponse('Too many refused links or keys from this address this minute'),
              }
            : {}),
      },
      ...(route.auth ? {} : { security: [] }),
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    paths[route.path] ??= {};
    const pathItem = paths[route.path];
    if (pathItem) pathItem[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Donor data hub API',
      version: '1.0.0',
      description:
        'Funders share grant records (360Giving model) with permissions enforced from the API key.',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'cfd_<keyId>_<secret>' } },
      schemas: { Problem: jsonSchema(ProblemSchema, 'output') },
    },
  };
}
