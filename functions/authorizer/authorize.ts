// Lambda authorizer: resolves `Authorization: Bearer <key>` to the principal every handler acts as.
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { parseApiKey } from '../../shared/auth/api-keys.ts';
import { type AuthorizerContext, toAuthorizerContext } from '../../shared/http/authorizer-context.ts';
import { logger } from '../../shared/logger.ts';
import { getServices } from '../../shared/services.ts';

const ANONYMOUS_AUDIT_PARTITION = 'unauthenticated';

export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>> => {
  const { keys, audit, authFailures } = getServices();
  const header = event.headers?.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
  const source = event.requestContext.http.sourceIp || 'unknown';
  const keyId = parseApiKey(token)?.keyId;
  const deny = { isAuthorized: false as const, context: {} };
  // Over the failure limit: refused without a key lookup or another audit event.
  if (authFailures.isBlocked('source', source) || (keyId && authFailures.isBlocked('key', keyId)))
    return deny;
  const resolution = await keys.resolve(token);
  if (resolution.ok) return { isAuthorized: true, context: toAuthorizerContext(resolution.principal) };
  const { over, firstOver } = await authFailures
    .record([{ scope: 'source', value: source }, ...(keyId ? [{ scope: 'key' as const, value: keyId }] : [])])
    .catch((error: unknown) => {
      logger.error('counting a failed authentication failed', { error });
      return { over: [], firstOver: false };
    });
  if (over.length === 0 || firstOver) {
    const limited = over
      .map((o) => (o.scope === 'source' ? `source ${source}` : `key id ${keyId}`))
      .join(' and ');
    await audit
      .recordAnonymousDenial(resolution.funderId ?? ANONYMOUS_AUDIT_PARTITION, {
        resource: `${event.requestContext.http.method} ${event.rawPath}`,
        reason: firstOver
          ? `${resolution.reason}; rate limited: too many failed authentications a minute from ${limited} (later ones this minute are refused unaudited)`
          : resolution.reason,
        ...(resolution.memberId ? { memberId: resolution.memberId } : {}),
      })
      .catch((error: unknown) => logger.error('audit of denied key failed', { error }));
  }
  return deny;
};
