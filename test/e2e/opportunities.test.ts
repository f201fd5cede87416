// Co-funding asks and pledges over HTTP: visibility from the verified key, pledge states, the derived unmet
// amount, conditional writes under races, suggestions and open asks in gap cells.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;

beforeAll(async () => {
  hub = await startTestHub({ server: true, streams: true });
  world = await buildWorld(hub.services);
  // Visible funding in governance / central-america-mexico for the suggestions.
  const res = await hub.request(
    world.keys.macarthur?.editor ?? null,
    'PUT',
    '/v1/grants/macarthur/ask-context-1',
    grantBody('ask-context-1', {
      regions: ['central-america-mexico'],
      visibility: 'hub',
      amountAwarded: 250_000,
      recipientOrganization: [{ id: '360G-mac-sf', name: 'Sin Fronteras IAP' }],
    }),
  );
  expect(res.status, res.text).toBeLessThan(300);
  await hub.poller?.drain(60_000);
}, 120_000);
afterAll(async () => hub?.close());

const key = (funder: string, role = 'editor') => world.keys[funder]?.[role] ?? null;

function ask(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Legal aid for detained migrants in southern Mexico',
    recipient: { name: 'Sin Fronteras IAP' },
    themes: ['governance'],
    regions: ['central-america-mexico'],
    currency: 'USD',
    budget: 500_000,
    amountSecured: 100_000,
    deadline: '2027-03-31',
    visibility: 'hub',
    ...overrides,
  };
}

async function post(funder: string, body: Record<string, unknown>) {
  const res = await hub.request(key(funder), 'POST', '/v1/opportunities', body);
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; unmet: number };
}

const pledge = (funder: string, id: string, body: Record<string, unknown>, role = 'editor') =>
  hub.request(key(funder, role), 'PUT', `/v1/opportunities/${id}/pledge`, body);

describe('co-funding asks', () => {
  it('derives the unmet amount from the budget, the amount secured and committed or paid pledges', async () => {
    const { id, unmet } = await post('osf', ask());
    expect(unmet).toBe(400_000);
    expect((await pledge('macarthur', id, { amount: 50_000, status: 'interested' })).body.unmet).toBe(
      400_000,
    );
    const committed = await pledge('macarthur', id, { amount: 60_000, status: 'committed' });
    expect(committed.status, committed.text).toBe(200);
    expect(committed.body).toMatchObject({ unmet: 340_000, pledged: { committed: 60_000, interested: 0 } });
    const paid = await pledge('macarthur', id, { amount: 60_000, status: 'paid' });
    expect(paid.body).toMatchObject({ unmet: 340_000, pledged: { paid: 60_000, committed: 0 } });
    const back = await pledge('macarthur', id, { amount: 60_000, status: 'withdrawn' });
    expect(back.status).toBe(422);
    expect(JSON.stringify(back.body.errors)).toContain('body.status');
    // The owner sees the pledge and its history; another funder sees the ask and its unmet amount, not the pledge.
    const owner = await hub.request(key('osf', 'viewer'), 'GET', `/v1/opportunities/${id}`);
    expect(owner.body.pledges).toEqual([
      expect.objectContaining({ funderId: 'macarthur', status: 'paid', history: expect.any(Array) }),
    ]);
    expect(owner.body.pledges[0].history.map((h: { status: string }) => h.status)).toEqual([
      'interested',
      'committed',
      'paid',
    ]);
    // Another funder sees the ask as if no one else had pledged: the pledge is between OSF and MacArthur.
    const other = await hub.request(key('nef', 'viewer'), 'GET', `/v1/opportunities/${id}`);
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({
      unmet: 400_000,
      pledged: { interested: 0, committed: 0, paid: 0 },
      pledges: [],
    });
  });

  it('shows a third funder the same ask, suggestions and gap figures whatever another funder pledges', async () => {
    const { id } = await post('osf', ask());
    const gaps = '/v1/gaps?theme=governance&region=central-america-mexico&groupBy=';
    const thirdView = async () => {
      const [one, suggestions, cells] = await Promise.all([
        hub.request(key('nef', 'viewer'), 'GET', `/v1/opportunities/${id}`),
        hub.request(key('nef', 'viewer'), 'GET', `/v1/opportunities/${id}/suggestions`),
        hub.request(key('nef', 'viewer'), 'GET', gaps),
      ]);
      const listed = (await listAll('nef', '&status=open')).includes(id);
      const { revision: _r, updatedAt: _u, ...ask } = one.body;
      return JSON.stringify({
        ask,
        suggestions: suggestions.body,
        openAsks: cells.body.cells[0]?.openAsks,
        listed,
      });
    };
    const before = await thirdView();
    for (const status of ['interested', 'committed', 'withdrawn', 'committed', 'paid']) {
      const res = await pledge('macarthur', id, { amount: 75_000, status });
      expect(res.status, res.text).toBe(200);
      expect(await thirdView(), `after a ${status} pledge`).toBe(before);
    }
    // The asker and the pledger see it.
    const owner = await hub.request(key('osf', 'viewer'), 'GET', `/v1/opportunities/${id}`);
    expect(owner.body).toMatchObject({ unmet: 325_000, pledged: { paid: 75_000 } });
    const pledger = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/opportunities/${id}`);
    expect(pledger.body).toMatchObject({
      unmet: 325_000,
      pledges: [expect.objectContaining({ funderId: 'macarthur' })],
    });
    // The asker's suggestions leave out a funder that pledged; MacArthur's own never list itself.
    const asker = await hub.request(key('osf', 'viewer'), 'GET', `/v1/opportunities/${id}/suggestions`);
    expect(asker.body.items.map((i: { funderId: string }) => i.funderId)).not.toContain('macarthur');
    const own = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/opportunities/${id}/suggestions`);
    expect(own.body.items.map((i: { funderId: string }) => i.funderId)).not.toContain('macarthur');
  });

  it('hides a private ask from other funders exactly like a missing one, and an EPIM ask from non-members', async () => {
    const { id: privateId } = await post('osf', ask({ visibility: 'private' }));
    const { id: epimId } = await post('osf', ask({ visibility: 'collaborative:epim' }));
    const missing = 'opp_00000000-0000-4000-8000-000000000000';
    for (const id of [privateId, missing]) {
      const res = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/opportunities/${id}`);
      expect(res.status).toBe(404);
      expect((await pledge('macarthur', id, { amount: 1, status: 'interested' })).status).toBe(404);
    }
    expect((await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/opportunities/${epimId}`)).status).toBe(
      404,
    );
    expect((await hub.request(key('nef', 'viewer'), 'GET', `/v1/opportunities/${epimId}`)).status).toBe(200);
    const listed = await listAll('macarthur');
    expect(listed).not.toContain(privateId);
    expect(listed).not.toContain(epimId);
    expect(await listAll('nef')).toContain(epimId);
    expect(await listAll('osf')).toEqual(expect.arrayContaining([privateId, epimId]));
  });

  it('lets only the owner change an ask, and only editors pledge, never to their own ask', async () => {
    const { id } = await post('osf', ask());
    const foreign = await hub.request(key('macarthur'), 'PATCH', `/v1/opportunities/${id}`, { budget: 1 });
    expect(foreign.status).toBe(403);
    const tooMuch = await hub.request(key('osf'), 'PATCH', `/v1/opportunities/${id}`, {
      amountSecured: 900_000,
    });
    expect(tooMuch.status).toBe(422);
    expect(JSON.stringify(tooMuch.body.errors)).toContain('body.amountSecured');
    expect((await pledge('macarthur', id, { amount: 5, status: 'interested' }, 'viewer')).status).toBe(403);
    // A pledge's note is free text like a description: NUL and broken characters are refused, naming it.
    for (const note of ['x\u0000y', 'x\ud800y']) {
      const bad = await pledge('macarthur', id, { amount: 5, status: 'interested', note });
      expect(bad.status, bad.text).toBe(400);
      expect(JSON.stringify(bad.body.errors)).toContain('body.note');
    }
    const own = await pledge('osf', id, { amount: 5, status: 'interested' });
    expect(own.status).toBe(422);
    expect(own.body.code).toBe('own_opportunity');
    // Closed: pledges can no longer change.
    expect(
      (await hub.request(key('osf'), 'PATCH', `/v1/opportunities/${id}`, { status: 'closed' })).status,
    ).toBe(200);
    expect((await pledge('macarthur', id, { amount: 5, status: 'interested' })).status).toBe(409);
  });

  it.each([
    [{ budget: -5 }, 'body.budget'],
    [{ deadline: '2027-02-30' }, 'body.deadline'],
    [{ themes: ['weather'] }, 'body.themes'],
    [{ currency: 'XYZ' }, 'body.currency'],
    [{ amountSecured: 600_000 }, 'body.amountSecured'],
    [{ owner: 'macarthur' }, 'body'],
    [{ visibility: 'collaborative:other' }, 'body.visibility'],
  ])('refuses a bad ask %j naming %s, and stores nothing', async (overrides, field) => {
    const before = (await listAll('osf')).length;
    const res = await hub.request(key('osf'), 'POST', '/v1/opportunities', ask(overrides));
    expect([400, 422]).toContain(res.status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(res.body.errors)).toContain(field);
    expect((await listAll('osf')).length).toBe(before);
  });

  it('keeps every accepted change of one pledge under concurrent writers and answers the losers 409', async () => {
    const { id } = await post('osf', ask());
    expect((await pledge('macarthur', id, { amount: 10_000, status: 'interested' })).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        pledge('macarthur', id, { amount: 20_000 + i, status: 'committed' }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 409)).toBe(true);
    // Each success was conditional on the revision it read: all of them are in the history, none overwritten.
    const owner = await hub.request(key('osf', 'viewer'), 'GET', `/v1/opportunities/${id}`);
    const [stored] = owner.body.pledges;
    expect(stored.revision).toBe(1 + ok.length);
    const accepted = ok.map((r) => r.body.pledged.committed).sort();
    expect(
      stored.history
        .slice(1)
        .map((h: { amount: number }) => h.amount)
        .sort(),
    ).toEqual(accepted);
  });

  it('suggests co-funders from the grants the caller may see, with the reason', async () => {
    const { id } = await post('osf', ask());
    const res = await hub.request(key('osf', 'viewer'), 'GET', `/v1/opportunities/${id}/suggestions`);
    expect(res.status, res.text).toBe(200);
    const mac = res.body.items.find((s: { funderId: string }) => s.funderId === 'macarthur');
    expect(mac?.reasons.join(' ')).toContain('$250,000 in governance / central-america-mexico');
  });

  it('shows open asks and their unmet amount in the gap cells', async () => {
    const res = await hub.request(
      key('nef', 'viewer'),
      'GET',
      '/v1/gaps?theme=governance&region=central-america-mexico&groupBy=',
    );
    expect(res.status, res.text).toBe(200);
    const visibleOpen = (await listAll('nef', '&status=open&theme=governance&region=central-america-mexico'))
      .length;
    expect(visibleOpen).toBeGreaterThan(0);
    expect(res.body.cells[0].openAsks.count).toBe(visibleOpen);
  });
});

async function listAll(funder: string, filters = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await hub.request(
      key(funder, 'viewer'),
      'GET',
      `/v1/opportunities?limit=1${filters}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status, res.text).toBe(200);
    ids.push(...res.body.items.map((o: { id: string }) => o.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}
