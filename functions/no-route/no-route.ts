// The `$default` route: a request no route of the manifest takes gets a problem+json answer naming what was
// sent, not the gateway's bare {"message":"Not Found"}. Needs no key and touches no data: it says only what the
// public OpenAPI document says already (which paths and methods exist).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, shownValue } from '../../shared/errors.ts';
import { problem } from '../../shared/http/responses.ts';
import { methodsFor } from '../../shared/http/route-match.ts';

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  const allowed = methodsFor(path);
  if (allowed.length === 0)
    return problem(
      new AppError(404, 'route_not_found', 'Not found', 'No route has this path; see /v1/openapi.json.', {
        errors: [{ field: 'path', message: 'is not a path of this API', value: shownValue(path) }],
      }),
      path,
    );
  const answer = problem(
    new AppError(
      405,
      'method_not_allowed',
      'Method not allowed',
      `This path takes ${allowed.join(', ')}; see /v1/openapi.json.`,
      {
        errors: [
          { field: 'method', message: `must be one of ${allowed.join(', ')}`, value: shownValue(method) },
        ],
      },
    ),
    path,
  );
  return { ...answer, headers: { ...answer.headers, allow: allowed.join(', ') } };
};
