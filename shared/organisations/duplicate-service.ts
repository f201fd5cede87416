// The review queue and the organisation views: what a caller sees of resolution, only through records it may
// see, and the decisions people make (confirm, reject, split) that a later automatic run never undoes.
import type { StoredGrant } from '../../schemas/grant.ts';
import type {
  DecideDuplicateRequest,
  DuplicateView,
  Link,
  OrganisationView,
  StoredDecision,
  StoredMention,
  StoredPair,
} from '../../schemas/organisation.ts';
import type { Principal } from '../../schemas/tenancy.ts';
import { canRead, requireRole } from '../access/policy.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import { ConditionFailedError } from '../db/conditions.ts';
import { reviewQueuePartition } from '../db/keys.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { cursorOwner, onePartitionCursor } from '../pagination/cursor.ts';
import { countedOnce } from './grant-links.ts';
import { conflictingRegistrations } from './identifiers.ts';
import { anchorsOf, membersOf, mentionIdOfView, viewIdOf } from './org-view.ts';
import type { ResolutionRepository } from './resolution-repository.ts';
import { type Resolver, registrationIdentifiers, registrationsConflict } from './resolver.ts';

/** Mentions read for one organisation page; beyond this the page says it is partial. */
const MAX_ORGANISATION_MENTIONS = 1000;
/** Read in place of a record an organisation id does not name, so a wrong id costs what a hidden one does. */
const NO_MENTION = 'none#none#0';
/** Two records no grant has: what a missing pair reads. */
const NO_PAIR = [NO_MENTION, 'none#none#1'];

function visible(principal: Principal, mention: StoredMention | undefined): mention is StoredMention {
  return mention !== undefined && canRead(principal, mention.funderId, mention.visibility);
}

/** A pair is the caller's to see when one side is its own and it may read the other side as it is now. */
function pairVisible(principal: Principal, pair: StoredPair, mentions: Map<string, StoredMention>): boolean {
  const a = mentions.get(pair.a.mentionId);
  const b = mentions.get(pair.b.mentionId);
  const owns = pair.a.funderId === principal.funderId || pair.b.funderId === principal.funderId;
  return owns && visible(principal, a) && visible(principal, b);
}

/** For a possible successor, the pairs of numbers a person has just confirmed to be one organisation's. */
function successorCrosswalks(pair: StoredPair, a: StoredMention, b: StoredMention): string[] {
  return pair.kind === 'possible-successor'
    ? conflictingRegistrations(a.features.identifiers, b.features.identifiers)
    : [];
}

function toView(pair: StoredPair, orgOf: (mentionId: string) => string): DuplicateView {
  return {
    pairId: pair.pairId,
    kind: pair.kind,
    status: pair.status,
    a: { ...pair.a, orgId: orgOf(pair.a.mentionId) },
    b: { ...pair.b, orgId: orgOf(pair.b.mentionId) },
    score: pair.score,
    evidence: pair.evidence,
    configVersion: pair.configVersion,
    moneyAffected: pair.moneyAffected,
    createdAt: pair.createdAt,
    ...(pair.decidedBy ? { decidedBy: pair.decidedBy } : {}),
    ...(pair.decidedAt ? { decidedAt: pair.decidedAt } : {}),
    ...(pair.note ? { note: pair.note } : {}),
  };
}

function mentionView(m: StoredMention, visibleIds: ReadonlySet<string>, orgId: string) {
  const through = m.link.withMentionId;
  return {
    mentionId: m.mentionId,
    funderId: m.funderId,
    grantId: m.grantId,
    name: m.features.name,
    identifiers: m.features.identifiers.map((i) => i.canonical),
    amount: m.amount,
    currency: m.currency,
    awardDate: m.awardDate,
    orgId,
    linkedThrough: through && visibleIds.has(through) ? { ...m.link, withMentionId: through } : null,
    moneyLink: m.moneyLink && visibleIds.has(m.moneyLink.toMentionId) ? m.moneyLink : null,
  };
}

/** One record per grant (a grant naming the organisation twice among its recipients counts once). */
function uniqueGrants(mentions: StoredMention[]): StoredMention[] {
  const byGrant = new Map<string, StoredMention>();
  for (const m of mentions) {
    const key = `${m.funderId}#${m.grantId}`;
    if (!byGrant.has(key)) byGrant.set(key, m);
  }
  return [...byGrant.values()];
}

function sumByCurrency(mentions: StoredMention[]) {
  const totals = new Map<string, number>();
  for (const m of mentions) totals.set(m.currency, (totals.get(m.currency) ?? 0) + m.amount);
  return [...totals]
    .map(([currency, amount]) => ({ currency, amount }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

export function createDuplicateService(deps: {
  repo: ResolutionRepository;
  resolver: Resolver;
  audit: AuditService;
  /** The grant as it is now (to tell a grant not yet resolved from one that does not exist). */
  currentGrant(funderId: string, grantId: string): Promise<StoredGrant | null>;
  now?: () => Date;
}) {
  const { repo, resolver, audit } = deps;
  const now = deps.now ?? (() => new Date());

  /** The caller's part of each stored organisation it reads: every visible record's anchor (org-view.ts). */
  function partsFor(principal: Principal, records: StoredMention[]) {
    return anchorsOf(records, (m) => visible(principal, m), resolver.directMatch);
  }

  /**
   * The organisation ids the caller is shown for these records: each stored organisation is read once and split
   * into the parts the caller's own readable records tie together.
   */
  async function orgIdsFor(principal: Principal, records: StoredMention[]): Promise<(id: string) => string> {
    const anchors = new Map<string, StoredMention>();
    for (const orgId of [...new Set(records.map((m) => m.orgId))].sort()) {
      const listed = await repo.listOrganisationMentions(orgId, MAX_ORGANISATION_MENTIONS);
      for (const [id, anchor] of partsFor(principal, membersOf(orgId, listed, records))) {
        anchors.set(id, anchor);
      }
    }
    return (id) => {
      const anchor = anchors.get(id);
      return anchor ? viewIdOf(anchor.mentionId) : '';
    };
  }

  async function viewOfPair(principal: Principal, pair: StoredPair, mentions: Map<string, StoredMention>) {
    return toView(pair, await orgIdsFor(principal, [...mentions.values()]));
  }

  async function loadVisiblePair(ctx: AuditContext, pairId: string, action: string) {
    const pair = await repo.getPair(pairId);
    // A missing pair reads two placeholder records, so it costs what a hidden one does (pair ids can be computed
    // from two mention ids: a faster answer would say the other record exists).
    const mentions = await repo.getMentions(pair ? [pair.a.mentionId, pair.b.mentionId] : NO_PAIR);
    if (!pair || !pairVisible(ctx.principal, pair, mentions)) {
      throw new NotFoundError(`Duplicate pair ${pairId}`, {
        action,
        resource: `duplicate:${pairId}`,
        reason: pair ? 'pair not visible to caller' : 'no such pair',
      });
    }
    return { pair, mentions };
  }

  /** Writes what a decision means for organisations; safe to repeat until the pair is marked applied. */
  async function apply(pair: StoredPair, mine: string, decider: { funderId: string; memberId: string }) {
    const at = pair.decidedAt ?? now().toISOString();
    const link = (withMentionId: string): Link => ({
      method: 'decision',
      score: pair.score,
      evidence: pair.evidence,
      withMentionId,
      configVersion: resolver.config.version,
      decidedBy: decider,
      decidedAt: at,
    });
    const current = await repo.getMentions([pair.a.mentionId, pair.b.mentionId]);
    const a = current.get(pair.a.mentionId);
    const b = current.get(pair.b.mentionId);
    if (a && b) {
      if (pair.status === 'confirmed') {
        // Recorded first: the moves below read the organisation and must find the numbers allowed together.
        const orgB = await repo.getOrganisation(b.orgId);
        const crosswalks = [...(orgB?.crosswalks ?? []), ...successorCrosswalks(pair, a, b)];
        if (crosswalks.length > 0) await repo.addCrosswalks(a.orgId, crosswalks);
      }
      if (pair.status === 'confirmed' && a.orgId !== b.orgId) {
        // The two organisations become one: every mention of b's moves to a's.
        for (const m of await repo.listOrganisationMentions(b.orgId)) {
          await resolver.relocate(
            m.mentionId,
            { orgId: a.orgId },
            link(m.mentionId === b.mentionId ? a.mentionId : b.mentionId),
          );
        }
        await resolver.relocate(b.mentionId, { orgId: a.orgId }, link(a.mentionId));
      } else if (pair.status === 'rejected' && a.orgId === b.orgId) {
        await resolver.relocate(b.mentionId, 'own', link(a.mentionId));
      } else if (pair.status === 'split') {
        const other = mine === a.mentionId ? b.mentionId : a.mentionId;
        await resolver.relocate(mine, 'own', link(other));
      }
    }
    await repo.markApplied(pair.pairId);
  }

  return {
    /** The caller's open pairs, most money affected first, each shown only if both records are visible. */
    async list(ctx: AuditContext, query: { limit: number; cursor?: string | undefined }) {
      const { principal } = ctx;
      const cursor = onePartitionCursor(cursorOwner(principal), 'duplicates', query.cursor, {
        GSI1PK: reviewQueuePartition(principal.funderId),
      });
      const page = await repo.listQueue(principal.funderId, query.limit, cursor.startKey);
      const pairs = await repo.getPairs(page.pairIds);
      const mentions = await repo.getMentions(
        [...pairs.values()].flatMap((p) => [p.a.mentionId, p.b.mentionId]),
      );
      const items: DuplicateView[] = [];
      const open = page.pairIds
        .map((id) => pairs.get(id))
        .filter((p): p is StoredPair => p?.status === 'open' && pairVisible(principal, p, mentions));
      const orgOf = await orgIdsFor(
        principal,
        open.flatMap((p) => [mentions.get(p.a.mentionId), mentions.get(p.b.mentionId)] as StoredMention[]),
      );
      // Several records of the same two organisations make several pairs; one of them stands for all.
      const shownOrgPairs = new Set<string>();
      for (const pair of open) {
        // Settled since it was queued (a merge put both in one organisation as the caller sees it).
        const orgs = [orgOf(pair.a.mentionId), orgOf(pair.b.mentionId)];
        if (orgs[0] === orgs[1]) continue;
        const orgPair = orgs.sort().join('|');
        if (shownOrgPairs.has(orgPair)) continue;
        shownOrgPairs.add(orgPair);
        items.push(toView(pair, orgOf));
      }
      return { items, nextCursor: cursor.next(page.lastKey) };
    },

    async get(ctx: AuditContext, pairId: string): Promise<DuplicateView> {
      const { pair, mentions } = await loadVisiblePair(ctx, pairId, 'duplicate.read');
      return viewOfPair(ctx.principal, pair, mentions);
    },

    async decide(ctx: AuditContext, pairId: string, request: DecideDuplicateRequest): Promise<DuplicateView> {
      const { principal } = ctx;
      requireRole(principal, 'editor', 'duplicate.decide', `duplicate:${pairId}`);
      const { pair, mentions } = await loadVisiblePair(ctx, pairId, 'duplicate.decide');
      const status = ({ confirm: 'confirmed', reject: 'rejected', split: 'split' } as const)[
        request.decision
      ];
      const decider = { funderId: principal.funderId, memberId: principal.memberId };
      // The caller's own side (the later mention when both are its own) is the one a split moves.
      const mine = pair.b.funderId === principal.funderId ? pair.b.mentionId : pair.a.mentionId;
      if (pair.status !== 'open') {
        // A retried request finishes the work of the first; anything else is a conflict.
        if (pair.status === status && pair.decidedBy?.funderId === principal.funderId) {
          if (!pair.applied) await apply(pair, mine, decider);
          return viewOfPair(principal, pair, await repo.getMentions([pair.a.mentionId, pair.b.mentionId]));
        }
        throw new ConflictError('already_decided', `This pair was already decided (${pair.status}).`);
      }
      const a = mentions.get(pair.a.mentionId);
      const b = mentions.get(pair.b.mentionId);
      if (!a || !b) throw new NotFoundError(`Duplicate pair ${pairId}`);
      if (status === 'confirmed') {
        const [orgA, orgB] = await Promise.all([
          repo.getOrganisation(a.orgId),
          repo.getOrganisation(b.orgId),
        ]);
        // A confirmed possible successor is the one clash allowed: its two numbers become a crosswalk.
        const merged = orgA && {
          ...orgA,
          crosswalks: [...orgA.crosswalks, ...(orgB?.crosswalks ?? []), ...successorCrosswalks(pair, a, b)],
        };
        if (
          merged &&
          orgB &&
          merged.orgId !== orgB.orgId &&
          registrationsConflict(registrationIdentifiers(orgB), merged)
        ) {
          throw new ConflictError(
            'conflicting_registrations',
            'These organisations hold different registration numbers in the same scheme; they cannot be one organisation.',
          );
        }
      }
      const at = now().toISOString();
      const decided: StoredPair = {
        ...pair,
        status,
        decidedBy: decider,
        decidedAt: at,
        applied: false,
        ...(request.note ? { note: request.note } : {}),
      };
      const value = status === 'confirmed' ? 'same' : 'different';
      const decisions: StoredDecision[] = [
        [a, b],
        [b, a],
      ].map(([self, other]) => ({
        mentionId: (self as StoredMention).mentionId,
        otherMentionId: (other as StoredMention).mentionId,
        decision: value,
        featuresHash: (self as StoredMention).featuresHash,
        pairId,
        decidedBy: decider,
        decidedAt: at,
      }));
      try {
        await repo.decidePair(decided, decisions);
      } catch (error) {
        if (error instanceof ConditionFailedError) {
          throw new ConflictError('already_decided', 'Someone decided this pair a moment ago; reload it.');
        }
        throw error;
      }
      await apply(decided, mine, decider);
      const details = {
        decision: request.decision,
        a: pair.a.mentionId,
        b: pair.b.mentionId,
        score: pair.score,
      };
      await audit.record(ctx, {
        action: 'duplicate.decide',
        resource: `duplicate:${pairId}`,
        outcome: 'allowed',
        details,
      });
      return viewOfPair(principal, decided, await repo.getMentions([pair.a.mentionId, pair.b.mentionId]));
    },

    /**
     * An organisation as far as the caller may see it: the part of the stored organisation that the caller's own
     * readable records tie together, around the record the id names (names, identifiers, funders, totals).
     */
    async organisation(ctx: AuditContext, viewId: string): Promise<OrganisationView> {
      const named = mentionIdOfView(viewId);
      const found = (await repo.getMentions([named ?? NO_MENTION])).get(named ?? NO_MENTION);
      if (!visible(ctx.principal, found)) {
        // A hidden record and a missing one cost one read each and answer alike.
        throw new NotFoundError(`Organisation ${viewId}`, {
          action: 'organisation.read',
          resource: `organisation:${viewId}`,
          reason: found ? 'no visible records' : 'no such organisation',
        });
      }
      const listed = await repo.listOrganisationMentions(found.orgId, MAX_ORGANISATION_MENTIONS);
      const members = membersOf(found.orgId, listed, [found]);
      const anchors = partsFor(ctx.principal, members);
      const anchor = anchors.get(found.mentionId) ?? found;
      const seen = members.filter((m) => anchors.get(m.mentionId) === anchor);
      const orgId = viewIdOf(anchor.mentionId);
      const grants = uniqueGrants(seen);
      const funders = new Map<string, StoredMention[]>();
      for (const m of grants) funders.set(m.funderId, [...(funders.get(m.funderId) ?? []), m]);
      const visibleIds = new Set(seen.map((m) => m.mentionId));
      return {
        orgId,
        names: [...new Set(seen.map((m) => m.features.name))].sort(),
        identifiers: [...new Set(seen.flatMap((m) => m.features.identifiers.map((i) => i.canonical)))].sort(),
        funders: [...funders]
          .map(([funderId, own]) => ({ funderId, grants: own.length, amounts: sumByCurrency(own) }))
          .sort((x, y) => x.funderId.localeCompare(y.funderId)),
        totals: sumByCurrency(countedOnce(grants)),
        mentions: seen.map((m) => mentionView(m, visibleIds, orgId)),
      };
    },

    /**
     * The organisations a grant's recipients resolved to, for a caller who may read the grant. A grant the
     * caller may read that the stream has not resolved yet says so (`pending`), instead of answering 404.
     */
    async ofGrant(ctx: AuditContext, funderId: string, grantId: string) {
      const grant = await deps.currentGrant(funderId, grantId);
      const record = grant && !grant.deleted ? grant.record : null;
      if (!grant || !record || !canRead(ctx.principal, funderId, record.visibility)) {
        // Hidden and missing answer alike and cost alike (as a grant read, one item): the grant's records are read
        // only once it may be shown, and the funder named in the path is told who tried either way, so a missing
        // grant does not save the second audit write.
        throw new NotFoundError(`Grant ${funderId}/${grantId}`, {
          action: 'grant.organisations',
          resource: `grant:${funderId}/${grantId}`,
          reason: record ? 'not visible to caller' : 'no such grant',
          alsoNotify: [funderId],
        });
      }
      const { mentions } = await repo.readGrant(funderId, grantId);
      const recipients = record.recipientOrganization?.length ?? 0;
      const current = mentions.filter((m) => m.index < recipients && m.grantVersion >= grant.version);
      const status =
        recipients === 0
          ? 'no-recipient-organisation'
          : current.length === recipients
            ? 'resolved'
            : 'pending';
      const seen = current.filter((m) => visible(ctx.principal, m));
      const through = await repo.getMentions(
        seen
          .flatMap((m) => [m.link.withMentionId, m.moneyLink?.toMentionId ?? null])
          .filter((id): id is string => id !== null),
      );
      const visibleIds = new Set(
        [...seen, ...through.values()].filter((m) => visible(ctx.principal, m)).map((m) => m.mentionId),
      );
      const orgOf = status === 'pending' ? () => '' : await orgIdsFor(ctx.principal, seen);
      return {
        status,
        grantVersion: grant.version,
        items: status === 'pending' ? [] : seen.map((m) => mentionView(m, visibleIds, orgOf(m.mentionId))),
      } as const;
    },
  };
}
export type DuplicateService = ReturnType<typeof createDuplicateService>;
