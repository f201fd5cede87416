// Bad input of every kind gets a 4xx problem+json naming the field, and the table is left exactly as it was.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BATCH_GRANTS } from '../../schemas/grant.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, seedGrants, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;
let before: Array<Record<string, unknown>>;
let editor: string;

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
  await seedGrants(hub.services, world, 'osf');
  editor = world.keys.osf?.editor ?? '';
});
afterAll(async () => hub?.close());
beforeEach(async () => {
  before = await hub.snapshot();
});

async function expectRejected(
  res: Awaited<ReturnType<TestHub['request']>>,
  status: number,
  field: string,
): Promise<void> {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code: expect.any(String), title: expect.any(String) });
  expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  expect(await hub.snapshot()).toEqual(before);
}

const put = (body: unknown, headers: Record<string, string> = {}) =>
  hub.request(editor, 'PUT', '/v1/grants/osf/bad-1', body, headers);

describe('a single grant write with bad input', () => {
  it.each([
    ['amountAwarded', { amountAwarded: '100' }],
    ['amountAwarded', { amountAwarded: -1e20 }],
    ['amountAwarded', { amountAwarded: 1e20 }],
    ['currency', { currency: 'usd' }],
    ['currency', { currency: 'XYZ' }],
    ['awardDate', { awardDate: '2015-13-01' }],
    ['awardDate', { awardDate: '2015-02-29' }],
    ['awardDate', { awardDate: '01/02/2015' }],
    ['awardDate', { awardDate: '2015-06-01T10:00:00' }],
    ['title', { title: '' }],
    ['title', { title: 7 }],
    ['fundingOrganization', { fundingOrganization: [] }],
    ['recipientOrganization.0.id', { recipientOrganization: [{ name: 'No id' }] }],
    ['themes.0', { themes: ['not-a-theme'] }],
    ['regions.0', { regions: ['atlantis'] }],
    ['visibility', { visibility: 'everyone' }],
    ['visibility', { visibility: 'collaborative:Not A Slug' }],
    ['regrantType', { regrantType: 'FRG999' }],
    ['Amount Awarded', { 'Amount Awarded': 5 }],
    ['id', { id: 'other-id' }],
    // What DynamoDB would refuse or the SDK could not marshal exactly: a 400 by field, never a 500.
    ['additionalData', { additionalData: { '': 'stray value' } }],
    ['additionalData', { additionalData: { constructor: 1 } }],
    ['recipientOrganization.0', { recipientOrganization: [{ id: 'GB-CHC-1', name: 'R', ' ': 'x' }] }],
    ['additionalData.big', { additionalData: { big: 1e125 } }],
    ['additionalData.id', { additionalData: { id: 2 ** 53 } }],
    ['amountAwarded', { amountAwarded: 1e-131 }],
    ['plannedDates.0.duration', { plannedDates: [{ duration: 1e-140 }] }],
    [
      `additionalData${'.a'.repeat(16)}`,
      { additionalData: JSON.parse(`${'{"a":'.repeat(31)}1${'}'.repeat(31)}`) },
    ],
    // Text that is not text, or that makes a name display as another: refused with the field named.
    ['title', { title: 'Core\u0000support' }],
    ['description', { description: 'half of \ud83d a character' }],
    [
      'recipientOrganization.0.name',
      { recipientOrganization: [{ id: 'GB-CHC-1', name: 'Refugee \u202eAction' }] },
    ],
    [
      'fundingOrganization.0.name',
      { fundingOrganization: [{ id: 'GB-CHC-2', name: 'Funder \u2066x\u2069' }] },
    ],
    ['additionalData', { additionalData: { 'key\u0000': 1 } }],
    ['additionalData.note', { additionalData: { note: '\udc00' } }],
  ])('names %s and writes nothing', async (field, change) => {
    await expectRejected(await put({ ...grantBody('bad-1'), ...change }), 400, field);
  });

  it.each(['title', 'description', 'currency', 'amountAwarded', 'awardDate', 'fundingOrganization'])(
    'names the missing required field %s',
    async (field) => {
      const body: Record<string, unknown> = grantBody('bad-1');
      delete body[field];
      await expectRejected(await put(body), 400, field);
    },
  );

  it('names recipientOrganization when there is no recipient at all', async () => {
    const { recipientOrganization: _r, ...body } = grantBody('bad-1');
    await expectRejected(await put(body), 400, 'recipientOrganization');
  });

  it('names recipientOrganization when both an organisation and an individual are given', async () => {
    await expectRejected(
      await put({ ...grantBody('bad-1'), recipientIndividual: { id: 'p-1', name: 'A Person' } }),
      400,
      'recipientOrganization',
    );
  });

  it('rejects malformed JSON', async () => {
    await expectRejected(await put('{"title": "unterminated'), 400, 'body');
  });

  it('rejects a body that is not an object', async () => {
    await expectRejected(await put([1, 2, 3]), 400, 'body');
  });

  it('rejects a body sent as another media type', async () => {
    const res = await hub.request(editor, 'PUT', '/v1/grants/osf/bad-1', JSON.stringify(grantBody('bad-1')), {
      'content-type': 'text/plain',
    });
    await expectRejected(res, 415, 'content-type');
  });

  it('rejects JSON declared in a charset other than UTF-8, and takes it declared as UTF-8', async () => {
    const body = JSON.stringify(grantBody('bad-charset'));
    const utf16 = await hub.request(editor, 'PUT', '/v1/grants/osf/bad-charset', body, {
      'content-type': 'application/json; charset=utf-16',
    });
    await expectRejected(utf16, 415, 'content-type');
    expect(utf16.body.errors[0].value).toBe('application/json; charset=utf-16');
    const twice = await hub.request(editor, 'PUT', '/v1/grants/osf/bad-charset', body, {
      'content-type': 'application/json; charset=utf-8; charset=utf-16',
    });
    await expectRejected(twice, 415, 'content-type');
    const utf8 = await hub.request(editor, 'PUT', '/v1/grants/osf/bad-charset', body, {
      'content-type': 'application/json; charset="UTF-8"',
    });
    expect(utf8.status, utf8.text).toBe(201);
  });

  it('rejects an oversized body with 413', async () => {
    await expectRejected(
      await put({ ...grantBody('bad-1'), description: 'x'.repeat(300 * 1024) }),
      413,
      'body',
    );
  });

  // (A path of "." or ".." never reaches the hub: clients and gateways resolve it; a batch names them below.)
  it.each([' leading space', 'two  spaces', 'a/b'])('rejects the grant id %j in the path', async (id) => {
    const res = await hub.request(editor, 'PUT', `/v1/grants/osf/${encodeURIComponent(id)}`, grantBody('x'));
    await expectRejected(res, 400, 'path.grantId');
  });

  it('refuses the grant ids "." and ".." in a batch, naming each', async () => {
    const before = await hub.snapshot();
    const res = await hub.request(editor, 'POST', '/v1/grants/batch', {
      grants: [grantBody('.'), grantBody('..')],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { errors: Array<{ field: string }> }) => r.errors[0]?.field)).toEqual([
      'grants.0.id',
      'grants.1.id',
    ]);
    expect(await hub.snapshot()).toEqual(before);
  });

  it('rejects the one grant DynamoDB would refuse by row, and writes the good grants beside it', async () => {
    const res = await hub.request(editor, 'POST', '/v1/grants/batch', {
      grants: [
        grantBody('mixed-1'),
        { ...grantBody('mixed-2'), additionalData: { '': 'stray value' } },
        grantBody('mixed-3'),
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'created',
      'rejected',
      'created',
    ]);
    expect(res.body.results[1].errors[0]).toMatchObject({ field: 'grants.1.additionalData', value: '' });
  });

  it('accepts right-to-left names with their direction marks, and a batch refuses only the row with a NUL', async () => {
    const name = 'جمعية\u200f الإغاثة';
    const res = await hub.request(editor, 'PUT', '/v1/grants/osf/rtl-1', {
      ...grantBody('rtl-1'),
      recipientOrganization: [{ id: 'XI-RTL-1', name }],
    });
    expect(res.status, res.text.slice(0, 300)).toBe(201);
    const batch = await hub.request(editor, 'POST', '/v1/grants/batch', {
      grants: [grantBody('nul-1'), { ...grantBody('nul-2'), title: 'Nul\u0000' }, grantBody('nul-3')],
    });
    expect(batch.status, batch.text).toBe(200);
    expect(batch.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'created',
      'rejected',
      'created',
    ]);
    expect(batch.body.results[1].errors[0]).toMatchObject({ field: 'grants.1.title' });
    // A grant bigger than a grant may be (64 KB as JSON; a batch body may hold 4 MB) is refused by row, named by
    // its largest field.
    const notes = Array.from({ length: 900 }, (_, i) => `note ${i} `.repeat(10));
    const big = await hub.request(editor, 'POST', '/v1/grants/batch', {
      grants: [{ ...grantBody('big-1'), additionalData: { notes } }, grantBody('big-2')],
    });
    expect(big.status, big.text.slice(0, 300)).toBe(200);
    expect(big.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['rejected', 'created']);
    expect(big.body.results[0].errors[0].field).toBe('grants.0.additionalData');
    expect(big.body.results[0].errors[0].message).toMatch(/more than the 64 KB/);
  });

  it('accepts a grant id with a single space inside, as publishers write them', async () => {
    const id = '360G-ABCT 1234';
    const res = await hub.request(editor, 'PUT', `/v1/grants/osf/${encodeURIComponent(id)}`, grantBody(id));
    expect(res.status, res.text).toBe(201);
    const back = await hub.request(editor, 'GET', `/v1/grants/osf/${encodeURIComponent(id)}`);
    expect(back.body.id).toBe(id);
  });

  it('rejects a bad If-Match header', async () => {
    await expectRejected(await put(grantBody('bad-1'), { 'if-match': 'yesterday' }), 400, 'if-match');
  });

  it('rejects a bad Idempotency-Key header', async () => {
    await expectRejected(
      await put(grantBody('bad-1'), { 'idempotency-key': 'short' }),
      400,
      'idempotency-key',
    );
  });
});

describe('a batch with bad input', () => {
  it('rejects more than the maximum number of grants', async () => {
    const grants = Array.from({ length: MAX_BATCH_GRANTS + 1 }, (_, i) => grantBody(`many-${i}`));
    await expectRejected(await hub.request(editor, 'POST', '/v1/grants/batch', { grants }), 400, 'grants');
  });

  it('rejects an empty batch', async () => {
    await expectRejected(
      await hub.request(editor, 'POST', '/v1/grants/batch', { grants: [] }),
      400,
      'grants',
    );
  });

  it('rejects unknown top-level fields', async () => {
    await expectRejected(
      await hub.request(editor, 'POST', '/v1/grants/batch', { grants: [grantBody('ok-1')], atomic: true }),
      400,
      'atomic',
    );
  });

  it('rejects a body over 4 MB', async () => {
    const grants = Array.from({ length: 20 }, (_, i) => ({
      ...grantBody(`big-${i}`),
      description: 'y'.repeat(19_000),
      additionalData: { blob: 'z'.repeat(200_000) },
    }));
    await expectRejected(await hub.request(editor, 'POST', '/v1/grants/batch', { grants }), 413, 'body');
  });
});

describe('queries with bad input', () => {
  it.each([
    ['query.limit', '/v1/grants?limit=100000'],
    ['query.limit', '/v1/grants?limit=0'],
    ['query.limit', '/v1/grants?limit=ten'],
    ['query.theme', '/v1/grants?theme=nope'],
    ['query.awardYearFrom', '/v1/grants?awardYearFrom=12'],
    ['awardYearFrom', '/v1/grants?awardYearFrom=2016&awardYearTo=2014'],
    ['query.funder', '/v1/grants?funder=NOT_A_SLUG'],
    ['query.sort', '/v1/grants?sort=amount'],
    ['cursor', '/v1/grants?cursor=garbage'],
    ['query.limit', '/v1/funders?limit=5000'],
    ['query.anything', '/v1/me?anything=1'],
    ['query.__proto__', '/v1/grants?__proto__=x'],
    ['query.__proto__', '/v1/gaps?__proto__=x'],
    ['query.constructor', '/v1/gaps?constructor=1'],
    ['query.__proto__[admin]', '/v1/opportunities?__proto__[admin]=1'],
    ['query.recipient', '/v1/grants?recipient=%00'],
  ])('names %s for %s', async (field, path) => {
    const res = await hub.request(editor, 'GET', path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each([
    ['query.limit', '/v1/grants?limit=ten', 'ten'],
    ['query.awardYearFrom', '/v1/grants/count?awardYearFrom=abc', 'abc'],
    ['query.yearFrom', '/v1/gaps?yearFrom=1e400', '1e400'],
    ['query.anything', '/v1/me?anything=1', '1'],
    ['query.__proto__', '/v1/gaps?__proto__=x', 'x'],
    // Numbers in digits only: not hexadecimal, exponent, padded or with a decimal point.
    ['query.limit', '/v1/grants?limit=0x10', '0x10'],
    ['query.yearFrom', '/v1/gaps?yearFrom=2019e0', '2019e0'],
    ['query.yearFrom', '/v1/gaps?yearFrom=%202019', ' 2019'],
    ['query.awardYearFrom', '/v1/grants?awardYearFrom=2019.0', '2019.0'],
    // Percent-encoding that is no UTF-8: refused, not read as replacement characters.
    ['query.recipient', '/v1/grants?recipient=%ED%A0%80', 'recipient=%ED%A0%80'],
    ['query.recipient', '/v1/grants?recipient=caf%E9', 'recipient=caf%E9'],
  ])('names %s with the value as sent (%s)', async (field, path, value) => {
    const res = await hub.request(editor, 'GET', path);
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field, value }));
  });

  it('refuses a cursor that was edited, or issued to another key, even of the same funder', async () => {
    const first = await hub.request(editor, 'GET', '/v1/grants?limit=1');
    const cursor: string = first.body.nextCursor;
    expect(cursor).toMatch(/^[\w-]+\.[\w-]+$/);
    const ok = await hub.request(editor, 'GET', `/v1/grants?limit=1&cursor=${cursor}`);
    expect(ok.status).toBe(200);
    const [payload, signature] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    decoded.s += 1;
    const edited = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
    for (const [key, bad] of [
      [editor, edited],
      [world.keys.osf?.viewer ?? '', cursor],
      [world.keys.macarthur?.viewer ?? '', cursor],
      [editor, `${payload}.`],
    ] as const) {
      const res = await hub.request(key, 'GET', `/v1/grants?limit=1&cursor=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('cursor');
    }
  });

  it('rejects a body on a route that takes none', async () => {
    await expectRejected(
      await hub.request(editor, 'DELETE', '/v1/grants/osf/osf-hub', { please: true }),
      400,
      'body',
    );
  });
});

describe('requests no route takes', () => {
  it.each([
    ['an unknown path, with a key', true, 'GET', '/v1/grant/osf/osf-hub'],
    ['an unknown path, without one', false, 'POST', '/v1/nothing-here'],
    ['a path under a route’s', true, 'GET', '/v1/grants/osf/osf-hub/extra/segments'],
  ])('answer %s 404 problem+json naming the path', async (_, withKey, method, path) => {
    const res = await hub.request(withKey ? editor : null, method, path);
    await expectRejected(res, 404, 'path');
    expect(res.body).toMatchObject({ code: 'route_not_found', instance: path });
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'path', value: path })]);
  });

  it('answer a known path asked with a method it does not take 405, with the methods it does take', async () => {
    const res = await hub.request(editor, 'PATCH', '/v1/grants/osf/osf-hub', { title: 'x' });
    await expectRejected(res, 405, 'method');
    expect(res.headers.get('allow')).toBe('DELETE, GET, PUT');
    expect(res.body).toMatchObject({ code: 'method_not_allowed' });
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'method', value: 'PATCH' })]);
  });
});

describe('bodies that are not UTF-8', () => {
  it('refuses half a character in a JSON body, naming the bytes, and stores nothing', async () => {
    const before = await hub.snapshot();
    const json = JSON.stringify(grantBody('utf8-broken', { title: 'TITLE' }));
    const [head, tail] = json.split('TITLE') as [string, string];
    const body = Buffer.concat([Buffer.from(head), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(tail)]);
    const res = await fetch(`${hub.url}/v1/grants/osf/utf8-broken`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { errors: unknown[] };
    // The bytes from the first that is no character: the three of a lone surrogate, then the closing quote.
    expect(problem.errors).toEqual([
      expect.objectContaining({
        field: 'body',
        value: 'ED A0 80 22',
      }),
    ]);
    expect(await hub.snapshot()).toEqual(before);
    // Positive twin: the same body with a real character is stored.
    const ok = await hub.request(
      editor,
      'PUT',
      '/v1/grants/osf/utf8-broken',
      grantBody('utf8-broken', { title: 'Café' }),
    );
    expect(ok.status).toBe(201);
  });
});

describe('administration with bad input', () => {
  const admin = () => world.keys.osf?.admin ?? '';
  const operator = () => world.keys['hub-operator']?.operator ?? '';

  it.each([
    ['email', { id: 'p1', name: 'P', email: 'not-an-email', role: 'viewer' }],
    ['role', { id: 'p1', name: 'P', email: 'p@example.org', role: 'owner' }],
    ['id', { id: 'Has Spaces', name: 'P', email: 'p@example.org', role: 'viewer' }],
    ['funderId', { id: 'p1', name: 'P', email: 'p@example.org', role: 'viewer', funderId: 'macarthur' }],
    ['name', { id: 'p1', name: 'Pat \u202eeciffO', email: 'p@example.org', role: 'viewer' }],
    ['name', { id: 'p1', name: 'Pat\u0000', email: 'p@example.org', role: 'viewer' }],
  ])('names %s when creating a member', async (field, body) => {
    await expectRejected(await hub.request(admin(), 'POST', '/v1/members', body), 400, field);
  });

  it.each([
    ['identifiers.0', { id: 'f1', name: 'F', identifiers: ['charity 123'] }],
    ['status', { id: 'f1', name: 'F', status: 'gone' }],
    ['subFundOf', { id: 'f1', name: 'F', kind: 'pooled-fund' }],
    ['name', { id: 'f1', name: 'Open Society \u202eFoundations' }],
  ])('names %s when creating a funder', async (field, body) => {
    const res = await hub.request(operator(), 'POST', '/v1/funders', body);
    expect([400, 422]).toContain(res.status);
    await expectRejected(res, res.status, field);
  });

  it('names expiresInDays when a key would live too long', async () => {
    await expectRejected(
      await hub.request(admin(), 'POST', '/v1/keys', { expiresInDays: 10000 }),
      400,
      'expiresInDays',
    );
  });

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2999-01-01T00:00:00Z'])(
    'refuses a digest run at %s, naming at, and queues nothing',
    async (at) => {
      const res = await hub.request(operator(), 'POST', '/v1/digests/runs', { at });
      await expectRejected(res, 400, 'body.at');
      expect(res.body.errors[0].value).toBe(at);
    },
  );

  it('refuses a digest run for tomorrow (it would deliver the period early and leave it done)', async () => {
    const at = new Date(Date.now() + 86_400_000).toISOString();
    const res = await hub.request(operator(), 'POST', '/v1/digests/runs', { at });
    await expectRejected(res, 400, 'body.at');
    expect(res.body.errors[0].message).toContain('10 minutes ahead');
  });
});
