// Co-funding asks and pledges, from the verified principal: a funder or collaborative member posts an ask,
// other funders pledge (interested -> committed -> paid, or withdrawn); the unmet amount is derived on every
// read. An ask is seen as its visibility allows; its pledges by its owner, and each pledge by its pledger.
import { randomUUID } from 'node:crypto';
import {
  CreateOpportunityRequestSchema,
  type ListOpportunitiesQuery,
  type OpportunityView,
  PledgeRequestSchema,
  type PledgeStatus,
  type StoredOpportunity,
  type StoredPledge,
  UpdateOpportunityRequestSchema,
} from '../../schemas/opportunity.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { canAssignVisibility, canRead, readableSharedScopes, requireRole } from '../access/policy.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import { ConditionFailedError } from '../db/conditions.ts';
import { funderOpportunitiesPartition, opportunityVisibilityPartition } from '../db/keys.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../errors.ts';
import {
  cursorOwner,
  decodeCursor,
  encodeCursor,
  queryFingerprint,
  requireStartKeyWithin,
  toCursorKey,
} from '../pagination/cursor.ts';
import { parseOrThrow } from '../validation.ts';
import type { OpportunityRepository } from './opportunity-repository.ts';

/** Where a pledge may go from each status (a new pledge starts anywhere but withdrawn). */
const NEXT: Record<PledgeStatus, PledgeStatus[]> = {
  interested: ['interested', 'committed', 'withdrawn'],
  committed: ['committed', 'paid', 'withdrawn'],
  paid: ['paid'],
  withdrawn: ['withdrawn', 'interested', 'committed'],
};
const MAX_QUERIES_PER_LIST = 8;

/** A conditional write that lost to another change answers 409 with this detail; nothing is overwritten. */
async function conflictOnRace(write: () => Promise<void>, detail: string): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new ConflictError('opportunity_changed', detail);
    throw error;
  }
}

export interface OpportunityServiceDeps {
  repo: OpportunityRepository;
  audit: Pick<AuditService, 'record'>;
  /** Per funder, US cents the caller may see it gave in these themes and regions (gap cells, visible only). */
  visibleFunding(ctx: AuditContext, themes: string[], regions: string[]): Promise<Map<string, number>>;
  /** Funders of an organisation's records the caller may see, with their grant counts. */
  organisationFunders(ctx: AuditContext, orgId: string): Promise<Array<{ funderId: string; grants: number }>>;
  now?: () => Date;
}

export function createOpportunityService(deps: OpportunityServiceDeps) {
  const { repo, audit } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * The ask as the caller may see it. Pledges are between the asker and each pledger: the asker's view counts
   * them all; anyone else's counts only its own funder's pledge, so what a third funder sees (pledged, unmet) does
   * not move when another funder pledges or withdraws.
   */
  function view(principal: Principal, o: StoredOpportunity, all: StoredPledge[]): OpportunityView {
    const pledges =
      principal.funderId === o.funderId ? all : all.filter((p) => p.funderId === principal.funderId);
    const sum = (status: PledgeStatus) =>
      pledges.filter((p) => p.status === status).reduce((s, p) => s + p.amount, 0);
    const pledged = { interested: sum('interested'), committed: sum('committed'), paid: sum('paid') };
    const { postedBy: _postedBy, ...rest } = o;
    return {
      ...rest,
      pledged,
      unmet: Math.max(
        0,
        Math.round((o.budget - o.amountSecured - pledged.committed - pledged.paid) * 100) / 100,
      ),
      pledges: pledges.map(({ opportunityId: _id, ...p }) => p),
    };
  }

  /** The ask if the caller may see it; otherwise 404, as for one that does not exist (and audited). */
  async function readable(ctx: AuditContext, id: string, action: string) {
    const found = await repo.get(id);
    if (!found || !canRead(ctx.principal, found.opportunity.funderId, found.opportunity.visibility)) {
      throw new NotFoundError(`Opportunity ${id}`, {
        action,
        resource: `opportunity:${id}`,
        reason: found ? 'not visible to caller' : 'no such opportunity',
        ...(found ? { alsoNotify: [found.opportunity.funderId] } : {}),
      });
    }
    return found;
  }

  /** Asks the caller may see: its own, then each shared visibility it may read; cursor-paginated. */
  async function list(ctx: AuditContext, query: ListOpportunitiesQuery) {
    const { principal } = ctx;
    const { limit, cursor: raw, ...filters } = query;
    const scopes = [
      {
        index: 'GSI1' as const,
        partition: funderOpportunitiesPartition(principal.funderId),
        attr: 'GSI1PK',
      },
      ...readableSharedScopes(principal).map((v) => ({
        index: 'GSI2' as const,
        partition: opportunityVisibilityPartition(v),
        attr: 'GSI2PK',
      })),
    ];
    const fingerprint = queryFingerprint({ ...filters, collaboratives: principal.collaboratives });
    const cursor = raw ? decodeCursor(raw, cursorOwner(principal), fingerprint) : undefined;
    let scopeIndex = cursor?.s ?? 0;
    let key = cursor?.k ?? null;
    const items: OpportunityView[] = [];
    let calls = 0;
    while (scopeIndex < scopes.length && items.length < limit && calls < MAX_QUERIES_PER_LIST) {
      const scope = scopes[scopeIndex];
      if (!scope) break;
      const page = await repo.page(
        scope,
        limit - items.length,
        requireStartKeyWithin(key, { [scope.attr]: scope.partition }),
      );
      calls += 1;
      const matching = page.items.filter(
        (o) =>
          canRead(principal, o.funderId, o.visibility) &&
          // Own asks shared hub-wide sit in both partitions: list them once, from the own one.
          (scopeIndex === 0 || o.funderId !== principal.funderId) &&
          (filters.status === undefined || o.status === filters.status) &&
          (filters.theme === undefined || o.themes.includes(filters.theme)) &&
          (filters.region === undefined || o.regions.includes(filters.region)) &&
          (filters.funder === undefined || o.funderId === filters.funder),
      );
      for (const o of matching) {
        const found = await repo.get(o.id);
        if (found) items.push(view(principal, found.opportunity, found.pledges));
      }
      key = toCursorKey(page.lastKey);
      if (key === null) scopeIndex += 1;
    }
    return {
      items,
      nextCursor:
        scopeIndex < scopes.length
          ? encodeCursor({ v: 1, f: cursorOwner(principal), q: fingerprint, s: scopeIndex, k: key })
          : null,
    };
  }

  return {
    async create(ctx: AuditContext, body: unknown): Promise<OpportunityView> {
      requireRole(ctx.principal, 'editor', 'opportunity.create', 'opportunities');
      const input = parseOrThrow(CreateOpportunityRequestSchema, body, 'body');
      if (!canAssignVisibility(ctx.principal, input.visibility)) {
        throw new UnprocessableError(
          'visibility_not_allowed',
          'You may only share with a collaborative you belong to.',
          [{ field: 'body.visibility', message: 'names a collaborative your funder does not belong to' }],
        );
      }
      const at = now().toISOString();
      const opportunity: StoredOpportunity = {
        ...input,
        id: `opp_${randomUUID()}`,
        funderId: ctx.principal.funderId,
        postedBy: ctx.principal.memberId,
        status: 'open',
        revision: 1,
        createdAt: at,
        updatedAt: at,
      };
      await repo.create(opportunity);
      await audit.record(ctx, {
        action: 'opportunity.create',
        resource: `opportunity:${opportunity.id}`,
        outcome: 'allowed',
      });
      return view(ctx.principal, opportunity, []);
    },

    async get(ctx: AuditContext, id: string): Promise<OpportunityView> {
      const { opportunity, pledges } = await readable(ctx, id, 'opportunity.read');
      return view(ctx.principal, opportunity, pledges);
    },

    /** The owner (editor) changes its ask; a lost race answers 409 instead of overwriting the other change. */
    async update(ctx: AuditContext, id: string, body: unknown): Promise<OpportunityView> {
      const changes = parseOrThrow(UpdateOpportunityRequestSchema, body, 'body');
      const { opportunity, pledges } = await readable(ctx, id, 'opportunity.update');
      if (opportunity.funderId !== ctx.principal.funderId) {
        throw new ForbiddenError('Only the funder that posted an ask may change it.', {
          action: 'opportunity.update',
          resource: `opportunity:${id}`,
          reason: 'not the owner',
          alsoNotify: [opportunity.funderId],
        });
      }
      requireRole(ctx.principal, 'editor', 'opportunity.update', `opportunity:${id}`);
      const next: StoredOpportunity = {
        ...opportunity,
        ...changes,
        revision: opportunity.revision + 1,
        updatedAt: now().toISOString(),
      };
      if (next.amountSecured > next.budget) {
        throw new UnprocessableError(
          'secured_exceeds_budget',
          'The amount secured cannot exceed the budget.',
          [
            {
              field: changes.amountSecured !== undefined ? 'body.amountSecured' : 'body.budget',
              message: 'amountSecured must not exceed budget',
            },
          ],
        );
      }
      await conflictOnRace(
        () => repo.update(next, opportunity.revision),
        'The opportunity changed while you edited it; read it again.',
      );
      await audit.record(ctx, {
        action: 'opportunity.update',
        resource: `opportunity:${id}`,
        outcome: 'allowed',
      });
      return view(ctx.principal, next, pledges);
    },

    /** Creates or moves the caller's funder's pledge on an open ask it may see (not its own). */
    async pledge(ctx: AuditContext, id: string, body: unknown): Promise<OpportunityView> {
      const input = parseOrThrow(PledgeRequestSchema, body, 'body');
      const { opportunity, pledges } = await readable(ctx, id, 'pledge.write');
      requireRole(ctx.principal, 'editor', 'pledge.write', `opportunity:${id}`);
      const funderId = ctx.principal.funderId;
      if (opportunity.funderId === funderId) {
        throw new UnprocessableError(
          'own_opportunity',
          'A funder cannot pledge to its own ask; change amountSecured instead.',
          [{ field: 'path.opportunityId', message: 'is your own funder’s ask' }],
        );
      }
      if (opportunity.status !== 'open') {
        throw new ConflictError(
          'opportunity_not_open',
          `The opportunity is ${opportunity.status}; pledges can no longer change.`,
        );
      }
      const previous = pledges.find((p) => p.funderId === funderId) ?? null;
      const from = previous?.status;
      if (from ? !NEXT[from].includes(input.status) : input.status === 'withdrawn') {
        throw new UnprocessableError(
          'invalid_transition',
          `A pledge cannot go from ${from ?? 'nothing'} to ${input.status}.`,
          [
            {
              field: 'body.status',
              message: `must be one of ${(from ? NEXT[from] : ['interested', 'committed', 'paid']).join(', ')}`,
            },
          ],
        );
      }
      if (previous?.status === 'paid' && input.amount !== previous.amount) {
        throw new UnprocessableError('paid_amount_fixed', 'A paid pledge keeps its amount.', [
          { field: 'body.amount', message: `must stay ${previous.amount}` },
        ]);
      }
      if (
        previous &&
        previous.status === input.status &&
        previous.amount === input.amount &&
        previous.note === input.note
      ) {
        return view(ctx.principal, opportunity, pledges);
      }
      const at = now().toISOString();
      const next: StoredPledge = {
        opportunityId: id,
        funderId,
        amount: input.amount,
        status: input.status,
        ...(input.note !== undefined ? { note: input.note } : {}),
        history: [
          ...(previous?.history ?? []),
          { status: input.status, amount: input.amount, at, by: ctx.principal.memberId },
        ],
        revision: (previous?.revision ?? 0) + 1,
        updatedAt: at,
      };
      await conflictOnRace(
        () => repo.writePledge(next, previous?.revision ?? null, opportunity.revision),
        'The opportunity or your pledge changed meanwhile (or the ask closed); read it again.',
      );
      await audit.record(ctx, {
        action: 'pledge.write',
        resource: `opportunity:${id}`,
        outcome: 'allowed',
      });
      return view(ctx.principal, opportunity, [...pledges.filter((p) => p.funderId !== funderId), next]);
    },

    list,

    /**
     * Funders worth asking: those whose grants the caller may read went to the ask's recipient, or into its
     * themes and regions. The asker is left out, and so is the caller; the asker's own list also leaves out
     * funders that pledged. Anyone else's list does not depend on others' pledges, which are not theirs to see.
     */
    async suggestions(ctx: AuditContext, id: string) {
      const { opportunity, pledges } = await readable(ctx, id, 'opportunity.suggestions');
      const asker = ctx.principal.funderId === opportunity.funderId;
      const skip = new Set([
        opportunity.funderId,
        ctx.principal.funderId,
        ...(asker ? pledges.filter((p) => p.status !== 'withdrawn').map((p) => p.funderId) : []),
      ]);
      const scored = new Map<string, { score: number; reasons: string[] }>();
      const add = (funderId: string, score: number, reason: string) => {
        if (skip.has(funderId)) return;
        const entry = scored.get(funderId) ?? { score: 0, reasons: [] };
        entry.score += score;
        entry.reasons.push(reason);
        scored.set(funderId, entry);
      };
      if (opportunity.recipient.orgId) {
        for (const f of await deps.organisationFunders(ctx, opportunity.recipient.orgId)) {
          add(
            f.funderId,
            3,
            `funded ${opportunity.recipient.name} (${f.grants} grant${f.grants === 1 ? '' : 's'} you can see)`,
          );
        }
      }
      const funding = await deps.visibleFunding(ctx, opportunity.themes, opportunity.regions);
      const total = [...funding.values()].reduce((a, b) => a + b, 0);
      for (const [funderId, cents] of funding) {
        if (cents <= 0) continue;
        add(
          funderId,
          total > 0 ? (2 * cents) / total : 0,
          `gave $${Math.round(cents / 100).toLocaleString('en-US')} in ${opportunity.themes.join(', ')} / ${opportunity.regions.join(', ')} (grants you can see)`,
        );
      }
      return {
        items: [...scored]
          .map(([funderId, e]) => ({
            funderId,
            score: Math.round(e.score * 1000) / 1000,
            reasons: e.reasons,
          }))
          .sort((a, b) => b.score - a.score || a.funderId.localeCompare(b.funderId))
          .slice(0, 20),
      };
    },

    /** Every open ask the caller may see (for gap cells), up to `max`. */
    async openAsks(ctx: AuditContext, max = 500): Promise<OpportunityView[]> {
      const out: OpportunityView[] = [];
      let cursor: string | undefined;
      do {
        const page = await list(ctx, { limit: 50, status: 'open', ...(cursor ? { cursor } : {}) });
        out.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && out.length < max);
      return out.slice(0, max);
    },
  };
}
export type OpportunityService = ReturnType<typeof createOpportunityService>;
