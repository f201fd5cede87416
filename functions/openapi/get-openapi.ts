// GET /v1/openapi.json: the API description, public and generated from the zod schemas.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildOpenApiDocument } from '../../shared/http/openapi.ts';
import { json } from '../../shared/http/responses.ts';

let document: Record<string, unknown> | undefined;

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  document ??= buildOpenApiDocument();
  return json(200, document, { 'cache-control': 'public, max-age=300' });
};
