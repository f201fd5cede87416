// A generated cross-tenant matrix (OWASP API1/API3/API5): every funder and role of the test world against every
// grant and co-funding ask another funder owns, in each visibility, through every route that names the record or
// lists it. The expected answer comes from the permission rules written out here, not from the hub's policy
// code. Each attack is paired with its positive twin, the same request by a caller the rules allow, so a case
// cannot pass because the route is simply broken; every attack is checked to change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import {
  askBody,
  buildWorld,
  grantBody,
  keyOf,
  seedGrants,
  VISIBILITIES,
  type World,
} from '../support/world.ts';

/** Who belongs to the EPIM collaborative: its members and its pooled sub-fund. */
const EPIM = new Set(['osf', 'nef', 'epim-detention']);
const OWNERS = ['osf', 'macarthur'] as const;
const CALLERS: Array<[string, string]> = [
  ...['osf', 'macarthur', 'nef', 'epim-detention'].flatMap((f) =>
    ['viewer', 'editor', 'admin'].map((r) => [f, r] as [string, string]),
  ),
  ['hub-operator', 'operator'],
];

/** The design's rule: own records, hub and public ones, and those shared with a collaborative one belongs to. */
function mayRead(caller: string, owner: string, visibility: string): boolean {
  if (caller === owner) return true;
  if (visibility === 'hub' || visibility === 'public') return true;
  return visibility === 'collaborative:epim' && EPIM.has(caller);
}

let hub: TestHub;
let world: World;
const asks = new Map<string, string>(); // `${owner}/${visibility}` -> opportunity id

const key = (funder: string, role: string) => keyOf(world, funder, role);

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
  for (const owner of OWNERS) {
    await seedGrants(hub.services, world, owner);
    const editor = world.principals[owner]?.editor;
    if (!editor) throw new Error('no editor');
    for (const visibility of visibilitiesOf(owner)) {
      const ask = await hub.services.opportunities.create(
        { principal: editor, requestId: 'matrix' },
        askBody(`${owner} ${visibility} ask`, visibility),
      );
      asks.set(`${owner}/${visibility}`, ask.id);
    }
  }
});
afterAll(async () => hub?.close());

function visibilitiesOf(owner: string): string[] {
  return VISIBILITIES.filter((v) => v !== 'collaborative:epim' || EPIM.has(owner));
}

const grantIdOf = (owner: string, visibility: string) => `${owner}-${visibility.replace(':', '-')}`;

/** What the owner sees of its grant: version and content hash move on any write. */
async function grantState(owner: string, id: string) {
  const stored = await hub.services.repos.grants.getCurrent(owner, id);
  return stored && { version: stored.version, hash: stored.contentHash, deleted: stored.deleted };
}

/** What the owner sees of its ask: revision, title, status and pledges. */
async function askState(owner: string, id: string) {
  const stored = await hub.services.opportunities.get(
    { principal: world.principals[owner]?.viewer ?? fail('no viewer'), requestId: 'matrix' },
    id,
  );
  return {
    revision: stored.revision,
    title: stored.title,
    status: stored.status,
    pledges: stored.pledges.length,
  };
}

function fail(message: string): never {
  throw new Error(message);
}

const DENIED = [403, 404];

/** Runs an attack, expects it refused, and expects the target's state exactly as before. */
async function refusedWithoutChange(state: () => Promise<unknown>, attack: () => Promise<number>) {
  const before = await state();
  expect(DENIED).toContain(await attack());
  expect(await state()).toEqual(before);
}

/** The operator has no viewer/editor/admin of its own: its twin is the owner's admin. */
const twinRoleOf = (role: string) => (role === 'operator' ? 'admin' : role);

/** Every id a caller's paged list (or export) returns. */
async function listedIds(
  member: [string, string],
  path: string,
  field: 'items' | 'grants',
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await hub.request(
      key(...member),
      'GET',
      `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    for (const item of res.body[field] as Array<{ id: string }>) ids.push(item.id);
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

interface Case {
  name: string;
  attack: () => Promise<void>;
  twin: () => Promise<void>;
}

function grantCases(): Case[] {
  const cases: Case[] = [];
  for (const owner of OWNERS) {
    for (const visibility of visibilitiesOf(owner)) {
      const id = grantIdOf(owner, visibility);
      const path = `/v1/grants/${owner}/${id}`;
      for (const [caller, role] of CALLERS) {
        if (caller === owner) continue;
        const who = `${caller} ${role}`;
        const twinRole = twinRoleOf(role);
        const unchanged = (attack: () => Promise<number>) =>
          refusedWithoutChange(() => grantState(owner, id), attack);
        if (!mayRead(caller, owner, visibility)) {
          cases.push({
            name: `${who} cannot GET ${owner}'s ${visibility} grant`,
            attack: () => unchanged(async () => (await hub.request(key(caller, role), 'GET', path)).status),
            twin: async () => expect((await hub.request(key(owner, twinRole), 'GET', path)).status).toBe(200),
          });
          for (const [label, route, field] of [
            ['list', `/v1/grants?funder=${owner}&limit=100`, 'items'],
            ['export', `/v1/exports?funder=${owner}&limit=1000`, 'grants'],
          ] as const) {
            cases.push({
              name: `${who} does not ${label} ${owner}'s ${visibility} grant`,
              attack: async () => expect(await listedIds([caller, role], route, field)).not.toContain(id),
              twin: async () => expect(await listedIds([owner, twinRole], route, field)).toContain(id),
            });
          }
        }
        cases.push({
          name: `${who} cannot read the version history of ${owner}'s ${visibility} grant`,
          attack: () =>
            unchanged(async () => (await hub.request(key(caller, role), 'GET', `${path}/versions`)).status),
          twin: async () =>
            expect((await hub.request(key(owner, twinRole), 'GET', `${path}/versions`)).status).toBe(200),
        });
        cases.push({
          name: `${who} cannot overwrite ${owner}'s ${visibility} grant`,
          attack: () =>
            unchanged(
              async () =>
                (
                  await hub.request(
                    key(caller, role),
                    'PUT',
                    path,
                    grantBody(id, { visibility, title: 'overwritten by another funder' }),
                  )
                ).status,
            ),
          // The owner's editor writing the same content: allowed, and nothing changes.
          twin: async () => {
            const res = await hub.request(
              key(owner, 'editor'),
              'PUT',
              path,
              grantBody(id, { visibility, title: `${owner} ${visibility} secret title` }),
            );
            expect(res.status).toBe(200);
            expect(res.body.outcome).toBe('unchanged');
          },
        });
        cases.push({
          name: `${who} cannot delete ${owner}'s ${visibility} grant`,
          attack: () => unchanged(async () => (await hub.request(key(caller, role), 'DELETE', path)).status),
          // The owner's editor may delete it; put back at once so later cases find it.
          twin: async () => {
            expect((await hub.request(key(owner, 'editor'), 'DELETE', path)).status).toBe(200);
            const restored = await hub.request(
              key(owner, 'editor'),
              'PUT',
              path,
              grantBody(id, { visibility, title: `${owner} ${visibility} secret title` }),
            );
            expect([200, 201]).toContain(restored.status);
          },
        });
      }
    }
  }
  return cases;
}

function askCases(): Case[] {
  const cases: Case[] = [];
  for (const owner of OWNERS) {
    for (const visibility of visibilitiesOf(owner)) {
      const label = `${owner}'s ${visibility} ask`;
      const id = () => asks.get(`${owner}/${visibility}`) ?? fail('no ask');
      for (const [caller, role] of CALLERS) {
        if (caller === owner) continue;
        const who = `${caller} ${role}`;
        const twinRole = twinRoleOf(role);
        const unchanged = (attack: () => Promise<number>) =>
          refusedWithoutChange(() => askState(owner, id()), attack);
        if (!mayRead(caller, owner, visibility)) {
          cases.push({
            name: `${who} cannot GET ${label}`,
            attack: () =>
              unchanged(
                async () => (await hub.request(key(caller, role), 'GET', `/v1/opportunities/${id()}`)).status,
              ),
            twin: async () =>
              expect(
                (await hub.request(key(owner, twinRole), 'GET', `/v1/opportunities/${id()}`)).status,
              ).toBe(200),
          });
          cases.push({
            name: `${who} cannot pledge to ${label}`,
            attack: () =>
              unchanged(
                async () =>
                  (
                    await hub.request(key(caller, role), 'PUT', `/v1/opportunities/${id()}/pledge`, {
                      amount: 10,
                      status: 'interested',
                    })
                  ).status,
              ),
            // A funder the ask is shared with may pledge (the same interest again is accepted as it stands).
            twin: async () => {
              const pledger = [...EPIM].find((f) => f !== owner && mayRead(f, owner, visibility));
              if (!pledger) {
                // A private ask: no other funder may pledge; the owner reads its pledges instead.
                const res = await hub.request(key(owner, 'editor'), 'GET', `/v1/opportunities/${id()}`);
                expect(res.status).toBe(200);
                return;
              }
              const res = await hub.request(
                key(pledger, 'editor'),
                'PUT',
                `/v1/opportunities/${id()}/pledge`,
                { amount: 10, status: 'interested' },
              );
              expect(res.status).toBe(200);
            },
          });
        }
        cases.push({
          name: `${who} cannot change ${label}`,
          attack: () =>
            unchanged(
              async () =>
                (
                  await hub.request(key(caller, role), 'PATCH', `/v1/opportunities/${id()}`, {
                    status: 'withdrawn',
                    title: 'taken over',
                  })
                ).status,
            ),
          twin: async () => {
            const res = await hub.request(key(owner, 'editor'), 'PATCH', `/v1/opportunities/${id()}`, {
              title: `${owner} ${visibility} ask`,
            });
            expect(res.status).toBe(200);
          },
        });
      }
    }
  }
  return cases;
}

const CASES = [...grantCases(), ...askCases()];

describe('cross-tenant matrix', () => {
  it(`has at least 300 generated attack cases (${CASES.length}), each with a positive twin`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(300);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await c.attack();
    await c.twin();
  });
});
