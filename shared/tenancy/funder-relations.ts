// Collaborative ties the resolver needs (which funder is whose pooled fund, who is a member), read through the
// tenancy repositories and remembered for a minute: a stream batch asks the same questions many times.
import type { FunderRelations } from '../organisations/grant-links.ts';
import type { CollaborativeRepository } from './collaborative-repository.ts';
import type { FunderRepository } from './funder-repository.ts';
import type { TenancyService } from './tenancy-service.ts';

const TTL_MS = 60_000;

export function createFunderRelations(deps: {
  funders: FunderRepository;
  collaboratives: CollaborativeRepository;
  tenancy: Pick<TenancyService, 'collaborativesOf'>;
  now?: () => number;
}): FunderRelations {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const remembered = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: now(), value });
    value.catch(() => cache.delete(key));
    return value;
  };
  return {
    // A pooled fund of a collaborative only once the secretariat has confirmed it (it is a member): a fund the
    // operator merely declared must not absorb a member's contribution into its own grant.
    pooledFundOf: (funderId) =>
      remembered(`fund:${funderId}`, async () => {
        const funder = await deps.funders.get(funderId);
        if (funder?.kind !== 'pooled-fund' || !funder.subFundOf) return null;
        const memberships = await deps.collaboratives.listMembershipsOf(funderId);
        return memberships.some((m) => m.collaborativeId === funder.subFundOf) ? funder.subFundOf : null;
      }),
    collaborativesOf: (funderId) =>
      remembered(`collaboratives:${funderId}`, async () => {
        const funder = await deps.funders.get(funderId);
        return funder ? deps.tenancy.collaborativesOf(funder) : [];
      }),
    isMember: (funderId, collaborativeId) =>
      remembered(`member:${funderId}`, () => deps.collaboratives.listMembershipsOf(funderId)).then((list) =>
        list.some((m) => m.collaborativeId === collaborativeId),
      ),
  };
}
