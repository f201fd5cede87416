// API keys: issued once, stored hashed, expiring and revocable; resolving a key yields the principal.
import { CreateApiKeyRequestSchema, type Principal } from '../../schemas/tenancy.ts';
import { hasRole, requireRole } from '../access/policy.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { FunderRepository } from '../tenancy/funder-repository.ts';
import type { MemberRepository } from '../tenancy/member-repository.ts';
import type { TenancyService } from '../tenancy/tenancy-service.ts';
import { parseOrThrow } from '../validation.ts';
import { apiKeyView, hashApiKey, hashesEqual, newApiKey, parseApiKey } from './api-keys.ts';

export type Resolution =
  | { ok: true; principal: Principal }
  | { ok: false; reason: string; funderId?: string; memberId?: string };

export function createKeyService(deps: {
  members: MemberRepository;
  funders: FunderRepository;
  tenancy: TenancyService;
  audit: AuditService;
  now?: () => Date;
}) {
  const { members, funders, tenancy, audit } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    /** Creates a key and returns it once; admins may issue keys to other members of their own funder. */
    async create(ctx: AuditContext, body: unknown) {
      const input = parseOrThrow(CreateApiKeyRequestSchema, body);
      const memberId = input.memberId ?? ctx.principal.memberId;
      if (memberId !== ctx.principal.memberId) {
        requireRole(
          ctx.principal,
          'admin',
          'key.create',
          `funder:${ctx.principal.funderId}/members/${memberId}`,
        );
      }
      const member = await members.get(ctx.principal.funderId, memberId);
      if (!member) throw new NotFoundError(`Member ${memberId}`);
      const { apiKey, record } = newApiKey(
        { funderId: ctx.principal.funderId, memberId, label: input.label },
        input.expiresInDays,
        now(),
      );
      await members.createKey(record);
      await audit.record(ctx, {
        action: 'key.create',
        resource: `key:${record.keyId}`,
        outcome: 'allowed',
        details: { memberId, expiresAt: record.expiresAt },
      });
      return { ...apiKeyView(record), apiKey };
    },

    async list(principal: Principal) {
      const all = hasRole(principal, 'admin');
      const records = await members.listKeys(principal.funderId, all ? undefined : principal.memberId);
      return { items: records.map(apiKeyView) };
    },

    async revoke(ctx: AuditContext, keyId: string) {
      const record = await members.getKey(keyId);
      const ownFunder = record?.funderId === ctx.principal.funderId;
      if (!record || !ownFunder) {
        throw new NotFoundError(
          `Key ${keyId}`,
          record
            ? {
                action: 'key.revoke',
                resource: `key:${keyId}`,
                reason: 'cross-funder',
                alsoNotify: [record.funderId],
              }
            : undefined,
        );
      }
      if (record.memberId !== ctx.principal.memberId && !hasRole(ctx.principal, 'admin')) {
        throw new ForbiddenError('Only admins may revoke other members’ keys.', {
          action: 'key.revoke',
          resource: `key:${keyId}`,
          reason: 'not admin',
        });
      }
      const revoked = await members.revokeKey(keyId, now().toISOString());
      await audit.record(ctx, { action: 'key.revoke', resource: `key:${keyId}`, outcome: 'allowed' });
      return apiKeyView(revoked);
    },

    /** Everything the authorizer decides: any failure is a denial with a reason for the audit log. */
    async resolve(apiKey: string): Promise<Resolution> {
      const parsed = parseApiKey(apiKey);
      if (!parsed) return { ok: false, reason: 'malformed key' };
      const record = await members.getKey(parsed.keyId);
      if (!record) return { ok: false, reason: 'unknown key' };
      const who = { funderId: record.funderId, memberId: record.memberId };
      // The key's owner sees in its own audit log that someone tried its key id with a wrong secret.
      if (!hashesEqual(record.secretHash, hashApiKey(apiKey)))
        return { ok: false, reason: 'wrong secret for this key id', ...who };
      if (record.revokedAt) return { ok: false, reason: 'revoked key', ...who };
      if (Date.parse(record.expiresAt) <= now().getTime())
        return { ok: false, reason: 'expired key', ...who };
      const [member, funder] = await Promise.all([
        members.get(record.funderId, record.memberId),
        funders.get(record.funderId),
      ]);
      if (!member || !funder) return { ok: false, reason: 'member or funder removed', ...who };
      return {
        ok: true,
        principal: {
          funderId: funder.id,
          memberId: member.id,
          keyId: record.keyId,
          role: member.role,
          collaboratives: await tenancy.collaborativesOf(funder),
        },
      };
    },
  };
}
export type KeyService = ReturnType<typeof createKeyService>;
