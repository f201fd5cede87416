// Lambda authorizer: resolves `Authorization: Bearer <key>` to the principal every handler acts as.
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { type AuthorizerContext, toAuthorizerContext } from '../../shared/http/authorizer-context.ts';
import { logger } from '../../shared/logger.ts';
import { getServices } from '../../shared/services.ts';

const ANONYMOUS_AUDIT_PARTITION = 'unauthenticated';

export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>> => {
  const { keys, audit } = getServices();
  const header = event.headers?.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
  const resolution = await keys.resolve(token);
  if (resolution.ok) return { isAuthorized: true, context: toAuthorizerContext(resolution.principal) };
  await audit
    .recordAnonymousDenial(resolution.funderId ?? ANONYMOUS_AUDIT_PARTITION, {
      resource: `${event.requestContext.http.method} ${event.rawPath}`,
      reason: resolution.reason,
      ...(resolution.memberId ? { memberId: resolution.memberId } : {}),
    })
    .catch((error: unknown) => logger.error('audit of denied key failed', { error }));
  return { isAuthorized: false, context: {} };
};
