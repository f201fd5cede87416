// The OWASP API Security Top 10 (2023), item by item, for the parts other suites do not already prove. Where
// another file holds the proof, the item names it: isolation.test.ts and tenant-matrix.test.ts (API1, API2, API5),
// bad-input.test.ts (API4 body and batch sizes), api.test.ts (API8 headers, API9 OpenAPI inventory), fuzz.test.ts
// (API4/API8: no 5xx and no change on rejected input).
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routes } from '../../shared/http/route-manifest.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { askBody, buildWorld, grantBody, keyOf, seedGrants, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;
let before: Array<Record<string, unknown>>;
const key = (funder: string, role: string) => keyOf(world, funder, role);

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
  await seedGrants(hub.services, world, 'osf');
});
afterAll(async () => hub?.close());
beforeEach(async () => {
  before = await hub.snapshot();
});

async function expectRefusedUnchanged(
  res: Awaited<ReturnType<TestHub['request']>>,
  statuses: number[],
  field?: string,
) {
  expect(statuses, res.text).toContain(res.status);
  if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  expect(await hub.snapshot()).toEqual(before);
}

describe('API3 broken object property level authorisation: no mass assignment', () => {
  it.each([
    ['body.funderId', { funderId: 'macarthur' }],
    ['body.postedBy', { postedBy: 'macarthur-admin' }],
    ['body.revision', { revision: 99 }],
    ['body.status', { status: 'closed' }],
    ['body.pledges', { pledges: [{ funderId: 'osf', amount: 1e6, status: 'paid' }] }],
    ['body.id', { id: 'opp_00000000-0000-0000-0000-000000000000' }],
  ])('refuses an ask that sets %s itself, and writes nothing', async (field, extra) => {
    const res = await hub.request(key('osf', 'editor'), 'POST', '/v1/opportunities', {
      ...askBody('Mass assignment', 'hub'),
      ...extra,
    });
    await expectRefusedUnchanged(res, [400, 422], field);
  });

  it('does not let a member raise its own role, nor an admin promote someone of another funder', async () => {
    await expectRefusedUnchanged(
      await hub.request(key('osf', 'editor'), 'PATCH', '/v1/members/osf-editor', { role: 'admin' }),
      [403],
    );
    await expectRefusedUnchanged(
      await hub.request(key('osf', 'admin'), 'PATCH', '/v1/members/macarthur-viewer', { role: 'admin' }),
      [403, 404],
    );
    // Positive twin: an admin changes a member of its own funder.
    const twin = await hub.request(key('osf', 'admin'), 'PATCH', '/v1/members/osf-viewer', {
      role: 'viewer',
    });
    expect(twin.status, twin.text).toBe(200);
  });

  it('does not let an admin issue a key for a member of another funder', async () => {
    await expectRefusedUnchanged(
      await hub.request(key('osf', 'admin'), 'POST', '/v1/keys', { memberId: 'macarthur-admin' }),
      [403, 404],
    );
    const twin = await hub.request(key('osf', 'admin'), 'POST', '/v1/keys', { memberId: 'osf-viewer' });
    expect(twin.status, twin.text).toBe(201);
  });

  it("refuses a pledge body that names another funder or the ask's figures", async () => {
    const ask = await hub.request(
      key('osf', 'editor'),
      'POST',
      '/v1/opportunities',
      askBody('Open ask', 'hub'),
    );
    expect(ask.status).toBe(201);
    before = await hub.snapshot();
    await expectRefusedUnchanged(
      await hub.request(key('macarthur', 'editor'), 'PUT', `/v1/opportunities/${ask.body.id}/pledge`, {
        amount: 10,
        status: 'paid',
        funderId: 'nef',
      }),
      [400, 422],
      'body.funderId',
    );
  });
});

describe('API4 unrestricted resource consumption: every list is bounded', () => {
  it.each([
    ['/v1/grants?limit=101'],
    ['/v1/grants?limit=0'],
    ['/v1/opportunities?limit=51'],
    ['/v1/exports?limit=1001'],
    ['/v1/audit?limit=1000'],
    ['/v1/duplicates?limit=101'],
    ['/v1/members?limit=101'],
    ['/v1/digests?limit=101'],
  ])('refuses %s with 400 naming limit', async (path) => {
    const res = await hub.request(key('osf', 'admin'), 'GET', path);
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('query.limit');
  });

  it('caps a page at its limit and hands over a cursor instead of reading on', async () => {
    const res = await hub.request(key('osf', 'viewer'), 'GET', '/v1/grants?limit=1');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  it('refuses an over-long cursor and a gap query with more than three dimensions', async () => {
    const cursor = await hub.request(key('osf', 'viewer'), 'GET', `/v1/grants?cursor=${'x'.repeat(5000)}`);
    expect(cursor.status).toBe(400);
    const gaps = await hub.request(
      key('osf', 'viewer'),
      'GET',
      '/v1/gaps?groupBy=theme,region,year,theme,funder',
    );
    expect(gaps.status).toBe(400);
  });
});

describe('API7 server-side request forgery: the hub never fetches what a record names', () => {
  it('stores URLs in grants (even internal addresses) as data and makes no request to them', async () => {
    let contacted = 0;
    const trap = createServer((_req, res) => {
      contacted++;
      res.end('no');
    });
    await new Promise<void>((done) => trap.listen(0, '127.0.0.1', () => done()));
    const address = trap.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const internal = `http://127.0.0.1:${port}/latest/meta-data/iam`;
    try {
      const res = await hub.request(
        key('osf', 'editor'),
        'PUT',
        '/v1/grants/osf/ssrf-1',
        grantBody('ssrf-1', {
          url: internal,
          recipientOrganization: [
            { id: 'GB-CHC-1126147', name: 'Access to Justice Foundation', url: internal },
          ],
          relatedDocument: [{ url: internal, title: 'doc' }],
          dataSource: internal,
        }),
      );
      expect(res.status, res.text).toBe(201);
      const exported = await hub.request(key('osf', 'editor'), 'GET', '/v1/exports?funder=osf');
      expect(exported.status).toBe(200);
      expect(JSON.stringify(exported.body)).toContain(internal);
      expect(contacted).toBe(0);
    } finally {
      trap.close();
    }
  });

  it('has no route that takes a URL to fetch (imports are uploaded content, never a link)', () => {
    for (const route of routes) expect(route.path).not.toMatch(/url|fetch|proxy|webhook/i);
  });
});

describe('API8 security misconfiguration', () => {
  it('sends no CORS grant: another origin cannot read the API from a browser', async () => {
    const res = await fetch(`${hub.url}/v1/me`, {
      headers: { authorization: `Bearer ${key('osf', 'viewer')}`, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${hub.url}/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers errors as problem+json without stack traces or internal names', async () => {
    const res = await hub.request(key('osf', 'viewer'), 'GET', '/v1/grants/osf/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.text).not.toMatch(/at \w+ \(|\.ts:\d+|DynamoDB|TABLE|PK|SK/);
  });
});
