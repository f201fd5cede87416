// Builds audit events from the principal and the request, and reads a funder's own log.
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../schemas/audit.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { requireRole } from '../access/policy.ts';
import { auditPartition } from '../db/keys.ts';
import type { DenialAudit } from '../errors.ts';
import { cursorOwner, onePartitionCursor } from '../pagination/cursor.ts';
import type { AuditRepository } from './audit-repository.ts';

/** What a caller's own log says of any read answered 404, hidden or missing alike. */
/** How long denials of unknown, expired or revoked keys are kept. */
export const UNAUTHENTICATED_DAYS = 90;
/** The log of denials that name no funder (unknown keys, links for no member). */
export const ANONYMOUS_AUDIT_PARTITION = 'unauthenticated';

export const NOT_FOUND_REASON = 'not found, or not visible to you';

export interface AuditContext {
  principal: Principal;
  requestId?: string;
}

export function newAuditEvent(
  ctx: AuditContext,
  fields: Pick<AuditEvent, 'action' | 'resource' | 'outcome'> & Partial<AuditEvent>,
  funderId = ctx.principal.funderId,
  now = new Date(),
): AuditEvent {
  return {
    eventId: randomUUID(),
    at: now.toISOString(),
    funderId,
    actorFunderId: ctx.principal.funderId,
    actorMemberId: ctx.principal.memberId,
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    ...fields,
  };
}

export function createAuditService(deps: { repo: AuditRepository; now?: () => Date }) {
  const { repo } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    async record(
      ctx: AuditContext,
      fields: Pick<AuditEvent, 'action' | 'resource' | 'outcome'> & Partial<AuditEvent>,
    ) {
      await repo.put(newAuditEvent(ctx, fields, ctx.principal.funderId, now()));
    },

    /** An event built beforehand (newAuditEvent), so a retried write is the same event, not a second one. */
    async write(event: AuditEvent) {
      await repo.put(event);
    },

    /**
     * A denied attempt goes to the caller's log and to the log of any funder whose data was targeted. With
     * `asNotFound` (the caller was answered 404) the caller's own copy says only "not found": a record that is
     * there but hidden must read in the caller's log exactly like one that is not there; the owners' copies say why.
     */
    async recordDenied(
      ctx: AuditContext,
      denial: DenialAudit,
      options: { asNotFound?: boolean } = {},
    ): Promise<void> {
      const at = now();
      const owners = new Set((denial.alsoNotify ?? []).filter((f) => f !== ctx.principal.funderId));
      const event = (funderId: string, reason: string) =>
        newAuditEvent(
          ctx,
          { action: denial.action, resource: denial.resource, outcome: 'denied', reason },
          funderId,
          at,
        );
      await Promise.all([
        repo.put(event(ctx.principal.funderId, options.asNotFound ? NOT_FOUND_REASON : denial.reason)),
        ...[...owners].map((funderId) => repo.put(event(funderId, denial.reason))),
      ]);
    },

    /**
     * Denials seen before a principal exists (unknown, expired or revoked keys). Kept for UNAUTHENTICATED_DAYS
     * (the table's TTL removes them), so a flood of bad keys cannot grow the log without bound.
     */
    async recordAnonymousDenial(
      funderId: string,
      fields: { resource: string; reason: string; memberId?: string },
    ) {
      const at = now();
      await repo.put(
        {
          eventId: randomUUID(),
          at: at.toISOString(),
          funderId,
          actorFunderId: funderId,
          actorMemberId: fields.memberId ?? null,
          action: 'authenticate',
          resource: fields.resource,
          outcome: 'denied',
          reason: fields.reason,
        },
        Math.floor(at.getTime() / 1000) + UNAUTHENTICATED_DAYS * 86_400,
      );
    },

    async list(principal: Principal, query: { limit: number; cursor?: string | undefined }) {
      requireRole(principal, 'admin', 'audit.list', `funder:${principal.funderId}/audit`);
      const cursor = onePartitionCursor(cursorOwner(principal), 'audit', query.cursor, {
        PK: auditPartition(principal.funderId),
      });
      const page = await repo.list(principal.funderId, query.limit, cursor.startKey);
      return { items: page.items, nextCursor: cursor.next(page.lastKey) };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
