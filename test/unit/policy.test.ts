import { describe, expect, it } from 'vitest';
import { canAssignVisibility, canRead, hasRole, readableSharedScopes } from '../../shared/access/policy.ts';
import { principal } from '../support/world-principal.ts';

const osf = principal('osf', 'o', 'viewer', ['epim']);

describe('canRead', () => {
  it.each([
    ['osf', 'private', true],
    ['osf', 'collaborative:other', true],
    ['macarthur', 'private', false],
    ['macarthur', 'hub', true],
    ['macarthur', 'public', true],
    ['macarthur', 'collaborative:epim', true],
    ['macarthur', 'collaborative:epim-2', false],
    ['macarthur', 'collaborative:', false],
    ['macarthur', 'Private', false],
  ])('owner %s, visibility %s: %s', (owner, visibility, expected) => {
    expect(canRead(osf, owner, visibility)).toBe(expected);
  });
});

describe('roles and scopes', () => {
  it('orders roles viewer < editor < admin < operator', () => {
    expect(hasRole(principal('a', 'a', 'editor'), 'viewer')).toBe(true);
    expect(hasRole(principal('a', 'a', 'editor'), 'admin')).toBe(false);
    expect(hasRole(principal('a', 'a', 'operator'), 'admin')).toBe(true);
  });

  it('lists only the collaboratives the principal belongs to', () => {
    expect(readableSharedScopes(osf)).toEqual(['hub', 'public', 'collaborative:epim']);
  });

  it('lets a funder share only with its own collaboratives', () => {
    expect(canAssignVisibility(osf, 'collaborative:epim')).toBe(true);
    expect(canAssignVisibility(osf, 'collaborative:other')).toBe(false);
    expect(canAssignVisibility(osf, 'hub')).toBe(true);
  });
});
