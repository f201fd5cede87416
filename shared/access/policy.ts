// Who may do what: pure rules over the verified principal, used by every service.
import type { Visibility } from '../../schemas/grant.ts';
import type { Principal, Role } from '../../schemas/tenancy.ts';
import { ForbiddenError } from '../errors.ts';

const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, operator: 3 };

export function hasRole(principal: Principal, minimum: Role): boolean {
  return ROLE_RANK[principal.role] >= ROLE_RANK[minimum];
}

export function requireRole(principal: Principal, minimum: Role, action: string, resource: string): void {
  if (!hasRole(principal, minimum)) {
    throw new ForbiddenError(`This action needs the ${minimum} role; your key has ${principal.role}.`, {
      action,
      resource,
      reason: `role ${principal.role} below ${minimum}`,
    });
  }
}

export function requireOperator(principal: Principal, action: string, resource: string): void {
  if (principal.role !== 'operator') {
    throw new ForbiddenError('Only the hub operator may do this.', {
      action,
      resource,
      reason: 'not operator',
    });
  }
}

export function collaborativeOf(visibility: string): string | null {
  return visibility.startsWith('collaborative:') ? visibility.slice('collaborative:'.length) : null;
}

/** Whether the principal may see a record owned by `ownerFunderId` with this visibility. */
export function canRead(
  principal: Pick<Principal, 'funderId' | 'collaboratives'>,
  ownerFunderId: string,
  visibility: Visibility | string,
): boolean {
  if (ownerFunderId === principal.funderId) return true;
  if (visibility === 'hub' || visibility === 'public') return true;
  const collaborative = collaborativeOf(visibility);
  return collaborative !== null && principal.collaboratives.includes(collaborative);
}

/** Visibility partitions holding other funders' records the principal may see. */
export function readableSharedScopes(principal: Principal): string[] {
  return ['hub', 'public', ...principal.collaboratives.map((c) => `collaborative:${c}`)];
}

/** A funder may share a record only with a collaborative it belongs to. */
export function canAssignVisibility(principal: Principal, visibility: string): boolean {
  const collaborative = collaborativeOf(visibility);
  return collaborative === null || principal.collaboratives.includes(collaborative);
}
