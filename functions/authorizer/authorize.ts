// Lambda authorizer: resolves `Authorization: Bearer <key>` to the principal every handler acts as.
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { ANONYMOUS_AUDIT_PARTITION } from '../../shared/audit/audit-service.ts';
import { parseApiKey } from '../../shared/auth/api-keys.ts';
import { type AuthorizerContext, toAuthorizerContext } from '../../shared/http/authorizer-context.ts';
import { logger } from '../../shared/logger.ts';
import { getServices } from '../../shared/services.ts';

export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>> => {
  const { keys, audit, authFailures } = getServices();
  const header = event.headers?.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
  const source = event.requestContext.http.sourceIp || 'unknown';
  const keyId = parseApiKey(token)?.keyId;
  const deny = { isAuthorized: false as const, context: {} };
  // A source over its failure limit: refused without a key lookup or another audit event.
  if (authFailures.isBlocked('source', source)) return deny;
  // A key id over its limit still takes its own, right secret: a key id is not secret (it shows in cursors and
  // logs), so anyone could otherwise lock a member out by sending it with wrong secrets.
  const keyBlocked = keyId !== undefined && authFailures.isBlocked('key', keyId);
  const resolution = await keys.resolve(token);
  if (resolution.ok) return { isAuthorized: true, context: toAuthorizerContext(resolution.principal) };
  const { over, firstOver } = await authFailures
    .record([
      { scope: 'source', value: source },
      ...(keyId && !keyBlocked ? [{ scope: 'key' as const, value: keyId }] : []),
    ])
    .catch((error: unknown) => {
      logger.error('counting a failed authentication failed', { error });
      return { over: [], firstOver: false };
    });
  // A wrong secret for a key id already over its limit was counted against its source, and is not audited again.
  if (keyBlocked && !firstOver) return deny;
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
