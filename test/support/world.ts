// A small multi-funder world for tests: two funders outside any collaborative relation, a collaborative
// with a secretariat and a pooled fund, members of every role, and grants of every visibility.
import type { Principal, Role } from '../../schemas/tenancy.ts';
import type { Services } from '../../shared/services.ts';
import { issueKey } from './hub.ts';

export const FUNDERS = ['osf', 'macarthur', 'nef', 'epim-detention', 'hub-operator'] as const;
export type WorldFunder = (typeof FUNDERS)[number];

export interface World {
  keys: Record<string, Record<string, string>>;
  principals: Record<string, Record<string, Principal>>;
}

export function grantBody(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    title: `Grant ${id}`,
    description: 'Core support for migrant-led advocacy.',
    currency: 'USD',
    amountAwarded: 100000,
    awardDate: '2015-06-01',
    recipientOrganization: [{ id: 'GB-CHC-1126147', name: 'Access to Justice Foundation' }],
    fundingOrganization: [{ id: 'US-EIN-137029285', name: 'Open Society Foundations' }],
    themes: ['governance'],
    regions: ['global'],
    visibility: 'private',
    ...overrides,
  };
}

export const VISIBILITIES = ['private', 'hub', 'public', 'collaborative:epim'] as const;

/** A small co-funding ask, as a body for the opportunity service or POST /v1/opportunities. */
export function askBody(title: string, visibility: string) {
  return {
    title,
    recipient: { name: 'Somebody' },
    themes: ['governance'],
    regions: ['global'],
    currency: 'USD',
    budget: 1000,
    deadline: '2027-01-01',
    visibility,
  };
}

/** The API key of a funder's member with this role in the test world. */
export function keyOf(world: World, funder: string, role: string): string {
  const k = world.keys[funder]?.[role];
  if (!k) throw new Error(`no key ${funder}/${role}`);
  return k;
}

export async function buildWorld(services: Services): Promise<World> {
  const at = new Date().toISOString();
  const { funders, members, collaboratives } = services.repos;
  await collaboratives.create({ id: 'epim', name: 'EPIM', secretariat: 'nef', createdAt: at });
  const profiles = [
    { id: 'hub-operator', kind: 'operator' as const },
    { id: 'osf', kind: 'funder' as const },
    { id: 'macarthur', kind: 'funder' as const },
    { id: 'nef', kind: 'funder' as const },
    { id: 'epim-detention', kind: 'pooled-fund' as const, subFundOf: 'epim' },
  ];
  for (const p of profiles) {
    await funders.create({
      ...p,
      name: p.id,
      identifiers: [],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
  }
  await collaboratives.addMember({ collaborativeId: 'epim', funderId: 'osf', joinedAt: at });
  await collaboratives.addMember({ collaborativeId: 'epim', funderId: 'nef', joinedAt: at });
  // The sub-fund, confirmed by the secretariat (declaring subFundOf alone gives no access).
  await collaboratives.addMember({ collaborativeId: 'epim', funderId: 'epim-detention', joinedAt: at });

  const keys: World['keys'] = {};
  const principals: World['principals'] = {};
  const roles: Role[] = ['viewer', 'editor', 'admin'];
  for (const p of profiles) {
    keys[p.id] = {};
    principals[p.id] = {};
    const funder = await services.tenancy.getFunder(p.id);
    const collabs = await services.tenancy.collaborativesOf(funder);
    for (const role of p.id === 'hub-operator' ? (['operator'] as Role[]) : roles) {
      const memberId = `${p.id}-${role}`;
      await members.create({
        id: memberId,
        funderId: p.id,
        name: memberId,
        email: `${memberId}@example.org`,
        role,
        createdAt: at,
        updatedAt: at,
      });
      const entry = keys[p.id];
      const pEntry = principals[p.id];
      if (entry) entry[role] = await issueKey(services, p.id, memberId);
      if (pEntry) pEntry[role] = { funderId: p.id, memberId, keyId: 'test', role, collaboratives: collabs };
    }
  }
  return { keys, principals };
}

/** One grant of each visibility for a funder, ids `<funder>-<visibility>`. */
export async function seedGrants(services: Services, world: World, funderId: string) {
  const editor = world.principals[funderId]?.editor;
  if (!editor) throw new Error(`no editor for ${funderId}`);
  const visibilities = VISIBILITIES.filter(
    (v) => v !== 'collaborative:epim' || editor.collaboratives.includes('epim'),
  );
  const out = await services.grants.batchUpsert(
    { principal: editor },
    {
      grants: visibilities.map((v) =>
        grantBody(`${funderId}-${v.replace(':', '-')}`, {
          visibility: v,
          title: `${funderId} ${v} secret title`,
        }),
      ),
    },
  );
  if (out.summary.rejected > 0) throw new Error(JSON.stringify(out.results));
  return visibilities.map((v) => ({ id: `${funderId}-${v.replace(':', '-')}`, visibility: v }));
}
