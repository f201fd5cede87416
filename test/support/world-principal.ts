// Principals for service-level tests, without any key.
import type { Principal } from '../../schemas/tenancy.ts';

export function principal(
  funderId: string,
  memberId: string,
  role: Principal['role'],
  collaboratives: string[] = [],
): Principal {
  return { funderId, memberId, keyId: 'test', role, collaboratives };
}
