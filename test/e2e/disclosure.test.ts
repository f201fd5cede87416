// The attacks that recovered another funder's private total exactly, re-run over HTTP against a hub rolling up
// from its table stream: two callers comparing answers (and one changing its own memberships between them), the
// operator's sock-puppet funders, and the operator adding itself to a collaborative. Each must find nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRIVACY, keyedNoise } from '../../shared/gaps/gap-math.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, keyOf, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;

const CELL = '?theme=education&region=africa&yearFrom=2019&yearTo=2019&groupBy=';
const CELL_2020 = '?theme=education&region=africa&yearFrom=2020&yearTo=2020&groupBy=';

async function put(
  key: string,
  funder: string,
  id: string,
  amount: number,
  year: number,
  visibility: string,
) {
  const res = await hub.request(
    key,
    'PUT',
    `/v1/grants/${funder}/${id}`,
    grantBody(id, {
      amountAwarded: amount,
      awardDate: `${year}-03-01`,
      themes: ['education'],
      regions: ['africa'],
      visibility,
      recipientOrganization: [{ id: `360G-${funder}-${id}`, name: `Grantee of ${funder} ${id}` }],
    }),
  );
  expect(res.status, res.text).toBeLessThan(300);
}

const cell = async (key: string, query: string) => {
  const res = await hub.request(key, 'GET', `/v1/gaps${query}`);
  expect(res.status, res.text).toBe(200);
  return (res.body.cells[0] ?? null) as {
    totalAwarded: number;
    privateFundingEstimate: number | null;
  } | null;
};

beforeAll(async () => {
  hub = await startTestHub({ server: true, streams: true });
  world = await buildWorld(hub.services);
  // 2019: OSF private 333,333; the EPIM pooled fund and NEF share 100,000 and 90,000 with EPIM.
  await put(keyOf(world, 'osf', 'editor'), 'osf', 'osf-2019', 333_333, 2019, 'private');
  await put(
    keyOf(world, 'epim-detention', 'editor'),
    'epim-detention',
    'epim-2019',
    100_000,
    2019,
    'collaborative:epim',
  );
  await put(keyOf(world, 'nef', 'editor'), 'nef', 'nef-2019', 90_000, 2019, 'collaborative:epim');
  // 2020: OSF alone has private money, 615,000.
  await put(keyOf(world, 'osf', 'editor'), 'osf', 'osf-2020', 615_000, 2020, 'private');
  await hub.poller?.drain(120_000);
}, 180_000);
afterAll(async () => hub?.close());

describe('two callers, two answers', () => {
  it('differ only by the collaborative money the member may read, also after the secretariat leaves and rejoins', async () => {
    const member = await cell(keyOf(world, 'nef', 'viewer'), CELL);
    const outsider = await cell(keyOf(world, 'macarthur', 'viewer'), CELL);
    expect(member).toMatchObject({ totalAwarded: 190_000, privateFundingEstimate: null });
    expect(outsider).toBeNull();
    // The EPIM secretariat's admin takes its own funder out, asks, and puts it back (at once: its own funder).
    const admin = keyOf(world, 'nef', 'admin');
    expect((await hub.request(admin, 'DELETE', '/v1/collaboratives/epim/members/nef')).status).toBe(200);
    const left = await cell(keyOf(world, 'nef', 'viewer'), CELL);
    expect((await hub.request(admin, 'PUT', '/v1/collaboratives/epim/members/nef')).status).toBe(201);
    // Outside EPIM, NEF reads its own 90,000 and nothing of OSF's or the pooled fund's.
    expect(left).toMatchObject({ totalAwarded: 90_000, privateFundingEstimate: null });
    expect(await cell(keyOf(world, 'nef', 'viewer'), CELL)).toEqual(member);
  });
});

describe("the operator's sock puppets", () => {
  it("show a perturbed figure once three funders have private money, never OSF's 615,000", async () => {
    const operator = keyOf(world, 'hub-operator', 'operator');
    expect(await cell(operator, CELL_2020)).toBeNull();
    const puppets = ['puppet-one', 'puppet-two'];
    for (const id of puppets) {
      const created = await hub.request(operator, 'POST', '/v1/funders', {
        id,
        name: `Puppet ${id}`,
        admin: { id: `${id}-admin`, name: 'Puppet admin', email: `${id}@example.org` },
      });
      expect(created.status, created.text).toBe(201);
      // The attack gave each puppet 100,000; 150,000 passes the p% rule beside OSF's 615,000 whatever the noise
      // (judged on the perturbed parts, 100,000 passes only for some factors).
      await put(created.body.adminKey.apiKey, id, `${id}-grant`, 150_000, 2020, 'private');
    }
    await hub.poller?.drain(120_000);
    const after = await cell(operator, CELL_2020);
    const figure = after?.privateFundingEstimate ?? null;
    expect(figure).not.toBeNull();
    expect(after?.totalAwarded).toBe(0);
    // Everyone gets the same figure, OSF included.
    expect((await cell(keyOf(world, 'osf', 'viewer'), CELL_2020))?.privateFundingEstimate).toBe(figure);
    expect((await cell(keyOf(world, 'macarthur', 'viewer'), CELL_2020))?.privateFundingEstimate).toBe(figure);
    // The strongest version of the attack: the operator also knows its puppets' exact factors (it could learn them
    // by changing their grants). What is left is OSF's 615,000 times a factor 15-30% away from 1.
    const noise = keyedNoise(await hub.services.secrets.keyFor('gap-noise'), DEFAULT_PRIVACY);
    const puppetsPart = puppets.reduce((sum, p) => sum + 150_000 * noise(p, `${p}-grant`, 2020), 0);
    const error = Math.abs((figure ?? 0) - puppetsPart - 615_000) / 615_000;
    expect(error).toBeGreaterThanOrEqual(0.149);
    expect(error).toBeLessThanOrEqual(0.301);
  });
});

describe('the operator and a collaborative', () => {
  it('cannot add itself, and reads none of its records', async () => {
    const operator = keyOf(world, 'hub-operator', 'operator');
    const res = await hub.request(operator, 'PUT', '/v1/collaboratives/epim/members/hub-operator');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await hub.request(operator, 'GET', '/v1/grants/epim-detention/epim-2019')).status).toBe(404);
    expect(await cell(operator, CELL)).toBeNull();
    const me = await hub.request(operator, 'GET', '/v1/me');
    expect(me.body.principal.collaboratives).toEqual([]);
  });
});
