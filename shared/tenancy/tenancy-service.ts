// Funders, collaboratives and members: who belongs where, and who may change it.
import {
  type Collaborative,
  type CollaborativeView,
  CreateCollaborativeRequestSchema,
  CreateFunderRequestSchema,
  CreateMemberRequestSchema,
  type Funder,
  type Member,
  type Principal,
  UpdateFunderRequestSchema,
  UpdateMemberRequestSchema,
} from '../../schemas/tenancy.ts';
import { hasRole, requireOperator, requireRole } from '../access/policy.ts';
import { type AuditContext, type AuditService, newAuditEvent } from '../audit/audit-service.ts';
import { apiKeyView, newApiKey } from '../auth/api-keys.ts';
import { ConditionFailedError } from '../db/conditions.ts';
import { FUNDERS_PARTITION } from '../db/keys.ts';
import {
  ConflictError,
  type FieldError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import { normalizeIdentifier } from '../organisations/identifiers.ts';
import { cursorOwner, onePartitionCursor } from '../pagination/cursor.ts';
import { parseOrThrow } from '../validation.ts';
import type { CollaborativeRepository } from './collaborative-repository.ts';
import { claimOf, type FunderRepository, IdentifierTakenError } from './funder-repository.ts';
import type { MemberRepository } from './member-repository.ts';

export interface TenancyDeps {
  funders: FunderRepository;
  collaboratives: CollaborativeRepository;
  members: MemberRepository;
  audit: AuditService;
  now?: () => Date;
}

/** A registered identifier another funder holds: 409 naming the identifier as sent. */
function identifierConflict(error: unknown, sent: string[]): unknown {
  if (!(error instanceof IdentifierTakenError)) return error;
  const index = sent.findIndex((s) => claimOf(s) === error.identifier);
  return new ConflictError(
    'identifier_taken',
    `Identifier ${error.identifier} belongs to funder ${error.heldBy}: one funder per registered identifier.`,
    [
      {
        field: index >= 0 ? `identifiers.${index}` : 'identifiers',
        message: `is held by funder ${error.heldBy}`,
        value: index >= 0 ? (sent[index] as string) : error.identifier,
      },
    ],
  );
}

/**
 * A funder's identifiers, as the hub will compare them with grants' funding organisations: each in one
 * unambiguous spelling (letters, digits, '.', '-' after the scheme; nothing a reader could take for another
 * funder's number, such as "US-EIN-13.702.9285" or a fullwidth or zero-width character), valid for its scheme
 * where the register knows the scheme's form, and each listed once.
 */
function checkFunderIdentifiers(sent: string[] | undefined): void {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  (sent ?? []).forEach((raw, i) => {
    const field = `identifiers.${i}`;
    const local = raw.replace(/^(?:[A-Z]{2}-[A-Z0-9]{2,8}|360G)-/, '');
    const parsed = normalizeIdentifier(raw);
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(local)) {
      errors.push({
        field,
        message: 'may hold only letters, digits, "." and "-" after its scheme',
        value: raw,
      });
    } else if (!parsed) {
      errors.push({ field, message: 'is not a valid number of its scheme', value: raw });
    } else if (seen.has(parsed.canonical)) {
      errors.push({ field, message: `is identifiers.${seen.get(parsed.canonical)} again`, value: raw });
    } else {
      seen.set(parsed.canonical, i);
    }
  });
  if (errors.length > 0) throw new ValidationError(errors);
}

export function createTenancyService(deps: TenancyDeps) {
  const { funders, collaboratives, members, audit } = deps;
  const now = deps.now ?? (() => new Date());

  async function mustGetCollaborative(id: string): Promise<Collaborative> {
    const found = await collaboratives.get(id);
    if (!found) throw new NotFoundError(`Collaborative ${id}`);
    return found;
  }

  async function viewOf(collaborative: Collaborative): Promise<CollaborativeView> {
    const [memberships, subFunds] = await Promise.all([
      collaboratives.listMembers(collaborative.id),
      funders.listSubFunds(collaborative.id),
    ]);
    // A declared sub-fund counts as one only once it is a member: the secretariat invited it and it accepted.
    const members = new Set(memberships.map((m) => m.funderId));
    return {
      ...collaborative,
      members: [...members],
      subFunds: subFunds.filter((f) => members.has(f.id)).map((f) => f.id),
    };
  }

  /**
   * Only admins of the secretariat funder manage membership: not the hub operator (unless its funder is the
   * secretariat), and a funder joins only when its own admin accepts the invitation.
   */
  function requireSecretariat(principal: Principal, collaborative: Collaborative, action: string) {
    if (principal.funderId !== collaborative.secretariat || !hasRole(principal, 'admin')) {
      throw new ForbiddenError('Only admins of the collaborative secretariat may change its membership.', {
        action,
        resource: `collaborative:${collaborative.id}`,
        reason: 'not secretariat admin',
      });
    }
  }

  return {
    async getFunder(funderId: string): Promise<Funder> {
      const funder = await funders.get(funderId);
      if (!funder) throw new NotFoundError(`Funder ${funderId}`);
      return funder;
    },

    async listFunders(principal: Principal, query: { limit: number; cursor?: string | undefined }) {
      const cursor = onePartitionCursor(cursorOwner(principal), 'funders', query.cursor, {
        GSI1PK: FUNDERS_PARTITION,
      });
      const page = await funders.list(query.limit, cursor.startKey);
      return { items: page.items, nextCursor: cursor.next(page.lastKey) };
    },

    /** With `admin`, also creates the funder's first admin and a 30-day key for them (only at creation). */
    async createFunder(ctx: AuditContext, body: unknown) {
      requireOperator(ctx.principal, 'funder.create', 'funders');
      const input = parseOrThrow(CreateFunderRequestSchema, body);
      checkFunderIdentifiers(input.identifiers);
      if (input.kind === 'pooled-fund' && !input.subFundOf) {
        throw new UnprocessableError(
          'sub_fund_needs_collaborative',
          'A pooled fund belongs to a collaborative.',
          [{ field: 'subFundOf', message: 'is required for a pooled fund' }],
        );
      }
      if (input.subFundOf) await mustGetCollaborative(input.subFundOf);
      const at = now().toISOString();
      const { admin: firstAdmin, ...profile } = input;
      const funder: Funder = { ...profile, createdAt: at, updatedAt: at };
      try {
        await funders.create(funder);
      } catch (error) {
        if (error instanceof ConditionFailedError)
          throw new ConflictError('already_exists', `Funder ${input.id} exists.`);
        throw identifierConflict(error, input.identifiers);
      }
      await audit.record(ctx, {
        action: 'funder.create',
        resource: `funder:${funder.id}`,
        outcome: 'allowed',
      });
      if (!firstAdmin) return { funder };
      const admin: Member = {
        ...firstAdmin,
        funderId: funder.id,
        role: 'admin',
        createdAt: at,
        updatedAt: at,
      };
      await members.create(admin);
      const { apiKey, record: key } = newApiKey(
        { funderId: funder.id, memberId: admin.id, label: 'first admin key (issued by the hub operator)' },
        30,
        new Date(at),
      );
      await members.createKey(key);
      await audit.record(ctx, {
        action: 'member.create',
        resource: `funder:${funder.id}/members/${admin.id}`,
        outcome: 'allowed',
        details: { role: 'admin', keyId: key.keyId },
      });
      return { funder, admin, adminKey: { ...apiKeyView(key), apiKey } };
    },

    async updateFunder(ctx: AuditContext, funderId: string, body: unknown): Promise<Funder> {
      requireOperator(ctx.principal, 'funder.update', `funder:${funderId}`);
      const changes = parseOrThrow(UpdateFunderRequestSchema, body);
      checkFunderIdentifiers(changes.identifiers);
      try {
        const funder = await funders.update(funderId, changes, now().toISOString());
        await audit.record(ctx, {
          action: 'funder.update',
          resource: `funder:${funderId}`,
          outcome: 'allowed',
          details: changes,
        });
        return funder;
      } catch (error) {
        if (error instanceof ConditionFailedError) throw new NotFoundError(`Funder ${funderId}`);
        throw identifierConflict(error, changes.identifiers ?? []);
      }
    },

    async listCollaboratives(): Promise<{ items: CollaborativeView[] }> {
      const all = await collaboratives.list();
      return { items: await Promise.all(all.map(viewOf)) };
    },

    async getCollaborative(collaborativeId: string): Promise<CollaborativeView> {
      return viewOf(await mustGetCollaborative(collaborativeId));
    },

    async createCollaborative(ctx: AuditContext, body: unknown): Promise<CollaborativeView> {
      requireOperator(ctx.principal, 'collaborative.create', 'collaboratives');
      const input = parseOrThrow(CreateCollaborativeRequestSchema, body);
      if (!(await funders.get(input.secretariat))) {
        throw new UnprocessableError('unknown_funder', 'The secretariat must be an existing funder.', [
          { field: 'secretariat', message: `funder ${input.secretariat} does not exist` },
        ]);
      }
      const collaborative: Collaborative = { ...input, createdAt: now().toISOString() };
      try {
        await collaboratives.create(collaborative);
      } catch (error) {
        if (error instanceof ConditionFailedError) {
          throw new ConflictError('already_exists', `Collaborative ${input.id} exists.`);
        }
        throw error;
      }
      await audit.record(ctx, {
        action: 'collaborative.create',
        resource: `collaborative:${collaborative.id}`,
        outcome: 'allowed',
      });
      return viewOf(collaborative);
    },

    /**
     * The secretariat invites a funder; it becomes a member when its admin accepts. The secretariat's own funder
     * joins at once (its admin is the one asking).
     */
    async addCollaborativeMember(ctx: AuditContext, collaborativeId: string, funderId: string) {
      const collaborative = await mustGetCollaborative(collaborativeId);
      requireSecretariat(ctx.principal, collaborative, 'collaborative.member.add');
      if (!(await funders.get(funderId))) throw new NotFoundError(`Funder ${funderId}`);
      const resource = `collaborative:${collaborativeId}/members/${funderId}`;
      if (await collaboratives.getMembership(collaborativeId, funderId)) {
        return { outcome: 'unchanged' as const, collaborative: await viewOf(collaborative) };
      }
      if (funderId === collaborative.secretariat) {
        const added = await collaboratives.addMember({
          collaborativeId,
          funderId,
          joinedAt: now().toISOString(),
        });
        if (added)
          await audit.record(ctx, { action: 'collaborative.member.add', resource, outcome: 'allowed' });
        return {
          outcome: added ? ('created' as const) : ('unchanged' as const),
          collaborative: await viewOf(collaborative),
        };
      }
      const invitation = {
        collaborativeId,
        funderId,
        invitedAt: now().toISOString(),
        invitedBy: ctx.principal.memberId,
      };
      const invited = await collaboratives.invite(invitation);
      if (invited) {
        // Both sides' logs: the secretariat invited, and the invited funder's admins see who invited them.
        await audit.record(ctx, { action: 'collaborative.member.invite', resource, outcome: 'allowed' });
        await audit.write(
          newAuditEvent(
            ctx,
            { action: 'collaborative.member.invite', resource, outcome: 'allowed' },
            funderId,
            now(),
          ),
        );
      }
      return {
        outcome: 'invited' as const,
        invitation: (await collaboratives.getInvitation(collaborativeId, funderId)) ?? invitation,
        collaborative: await viewOf(collaborative),
      };
    },

    /** The secretariat removes a member, or withdraws an invitation not yet accepted. */
    async removeCollaborativeMember(ctx: AuditContext, collaborativeId: string, funderId: string) {
      const collaborative = await mustGetCollaborative(collaborativeId);
      requireSecretariat(ctx.principal, collaborative, 'collaborative.member.remove');
      const resource = `collaborative:${collaborativeId}/members/${funderId}`;
      const removed = await collaboratives.removeMember(collaborativeId, funderId);
      const withdrawn = await collaboratives.removeInvitation(collaborativeId, funderId);
      if (!removed && !withdrawn) throw new NotFoundError(`Member ${funderId} of ${collaborativeId}`);
      await audit.record(ctx, {
        action: removed ? 'collaborative.member.remove' : 'collaborative.invitation.withdraw',
        resource,
        outcome: 'allowed',
      });
      return viewOf(collaborative);
    },

    /** Invitations waiting for the caller's funder (its admins accept or decline them). */
    async listInvitations(principal: Principal) {
      requireRole(principal, 'admin', 'invitation.list', `funder:${principal.funderId}/invitations`);
      return { items: await collaboratives.listInvitationsOf(principal.funderId) };
    },

    async acceptInvitation(ctx: AuditContext, collaborativeId: string) {
      const { funderId } = ctx.principal;
      requireRole(
        ctx.principal,
        'admin',
        'invitation.accept',
        `collaborative:${collaborativeId}/members/${funderId}`,
      );
      const collaborative = await collaboratives.get(collaborativeId);
      if (!collaborative) throw new NotFoundError(`Invitation to ${collaborativeId}`);
      const accepted = await collaboratives.acceptInvitation({
        collaborativeId,
        funderId,
        joinedAt: now().toISOString(),
      });
      if (!accepted) {
        // Accepting twice is the same as once; without an invitation there is nothing to accept.
        if (await collaboratives.getMembership(collaborativeId, funderId)) {
          return { outcome: 'unchanged' as const, collaborative: await viewOf(collaborative) };
        }
        throw new NotFoundError(`Invitation to ${collaborativeId}`);
      }
      const resource = `collaborative:${collaborativeId}/members/${funderId}`;
      await audit.record(ctx, { action: 'collaborative.member.add', resource, outcome: 'allowed' });
      await audit.write(
        newAuditEvent(
          ctx,
          { action: 'collaborative.member.add', resource, outcome: 'allowed' },
          collaborative.secretariat,
          now(),
        ),
      );
      return { outcome: 'created' as const, collaborative: await viewOf(collaborative) };
    },

    async declineInvitation(ctx: AuditContext, collaborativeId: string) {
      const { funderId } = ctx.principal;
      requireRole(
        ctx.principal,
        'admin',
        'invitation.decline',
        `collaborative:${collaborativeId}/members/${funderId}`,
      );
      const collaborative = await collaboratives.get(collaborativeId);
      if (!collaborative || !(await collaboratives.removeInvitation(collaborativeId, funderId))) {
        throw new NotFoundError(`Invitation to ${collaborativeId}`);
      }
      const resource = `collaborative:${collaborativeId}/members/${funderId}`;
      await audit.record(ctx, { action: 'collaborative.invitation.decline', resource, outcome: 'allowed' });
      await audit.write(
        newAuditEvent(
          ctx,
          { action: 'collaborative.invitation.decline', resource, outcome: 'allowed' },
          collaborative.secretariat,
          now(),
        ),
      );
      return { declined: true as const };
    },

    async getOwnMember(principal: Principal): Promise<Member> {
      const member = await members.get(principal.funderId, principal.memberId);
      if (!member) throw new NotFoundError(`Member ${principal.memberId}`);
      return member;
    },

    async listMembers(principal: Principal): Promise<{ items: Member[] }> {
      requireRole(principal, 'admin', 'member.list', `funder:${principal.funderId}/members`);
      return { items: await members.list(principal.funderId) };
    },

    async createMember(ctx: AuditContext, body: unknown): Promise<Member> {
      requireRole(ctx.principal, 'admin', 'member.create', `funder:${ctx.principal.funderId}/members`);
      const input = parseOrThrow(CreateMemberRequestSchema, body);
      const at = now().toISOString();
      const member: Member = { ...input, funderId: ctx.principal.funderId, createdAt: at, updatedAt: at };
      try {
        await members.create(member);
      } catch (error) {
        if (error instanceof ConditionFailedError)
          throw new ConflictError('already_exists', `Member ${input.id} exists.`);
        throw error;
      }
      await audit.record(ctx, {
        action: 'member.create',
        resource: `funder:${member.funderId}/members/${member.id}`,
        outcome: 'allowed',
        details: { role: member.role },
      });
      return member;
    },

    async updateMember(ctx: AuditContext, memberId: string, body: unknown): Promise<Member> {
      requireRole(
        ctx.principal,
        'admin',
        'member.update',
        `funder:${ctx.principal.funderId}/members/${memberId}`,
      );
      const { role } = parseOrThrow(UpdateMemberRequestSchema, body);
      if (memberId === ctx.principal.memberId && role !== 'admin' && ctx.principal.role === 'admin') {
        const admins = (await members.list(ctx.principal.funderId)).filter((m) => m.role === 'admin');
        if (admins.length <= 1) {
          throw new UnprocessableError('last_admin', 'A funder must keep at least one admin.', [
            { field: 'role', message: 'would remove the last admin' },
          ]);
        }
      }
      try {
        const member = await members.updateRole(ctx.principal.funderId, memberId, role, now().toISOString());
        await audit.record(ctx, {
          action: 'member.update',
          resource: `funder:${ctx.principal.funderId}/members/${memberId}`,
          outcome: 'allowed',
          details: { role },
        });
        return member;
      } catch (error) {
        if (error instanceof ConditionFailedError) throw new NotFoundError(`Member ${memberId}`);
        throw error;
      }
    },

    /**
     * Collaboratives a funder belongs to: its memberships only. A pooled fund's `subFundOf` is what the operator
     * declared; it gives no access until the collaborative's secretariat invites the fund and the fund accepts,
     * and the secretariat removes it like any member.
     */
    async collaborativesOf(funder: Funder): Promise<string[]> {
      const memberships = await collaboratives.listMembershipsOf(funder.id);
      return [...new Set(memberships.map((m) => m.collaborativeId))].sort();
    },
  };
}
export type TenancyService = ReturnType<typeof createTenancyService>;
