// The API as a client meets it: idempotent writes, ETags, the OpenAPI document, audit of writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../shared/http/route-manifest.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;
const editor = () => world.keys.osf?.editor ?? '';

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
});
afterAll(async () => hub?.close());

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, writing nothing more', async () => {
    const headers = { 'idempotency-key': 'import-2024-01-batch-7' };
    const body = { grants: [grantBody('idem-1'), grantBody('idem-2')] };
    const first = await hub.request(editor(), 'POST', '/v1/grants/batch', body, headers);
    expect(first.status).toBe(200);
    expect(first.body.summary.created).toBe(2);
    const before = await hub.snapshot();
    const replay = await hub.request(editor(), 'POST', '/v1/grants/batch', body, headers);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect(await hub.snapshot()).toEqual(before);
  });

  it('refuses the same key with a different body (422) and changes nothing', async () => {
    const headers = { 'idempotency-key': 'import-2024-01-batch-8' };
    await hub.request(editor(), 'POST', '/v1/grants/batch', { grants: [grantBody('idem-3')] }, headers);
    const before = await hub.snapshot();
    const reuse = await hub.request(
      editor(),
      'POST',
      '/v1/grants/batch',
      { grants: [grantBody('idem-4')] },
      headers,
    );
    expect(reuse.status).toBe(422);
    expect(reuse.body.code).toBe('idempotency_key_reused');
    expect(await hub.snapshot()).toEqual(before);
  });

  it('never shares a stored response between funders using the same key', async () => {
    const headers = { 'idempotency-key': 'same-key-everyone-picks' };
    const body = { grants: [grantBody('shared-key-grant')] };
    const osf = await hub.request(editor(), 'POST', '/v1/grants/batch', body, headers);
    const mac = await hub.request(
      world.keys.macarthur?.editor ?? '',
      'POST',
      '/v1/grants/batch',
      body,
      headers,
    );
    expect(osf.body.summary.created).toBe(1);
    expect(mac.body.summary.created).toBe(1);
    const macGrant = await hub.request(
      world.keys.macarthur?.viewer ?? '',
      'GET',
      '/v1/grants/macarthur/shared-key-grant',
    );
    expect(macGrant.status).toBe(200);
  });

  it('refuses the same key on another route or path (422), and keeps two members of one funder apart', async () => {
    const headers = { 'idempotency-key': 'one-key-two-routes' };
    const first = await hub.request(editor(), 'PUT', '/v1/grants/osf/route-1', grantBody('route-1'), headers);
    expect(first.status).toBe(201);
    const before = await hub.snapshot();
    // The same key and body on another grant's path, and on another route.
    const otherPath = await hub.request(
      editor(),
      'PUT',
      '/v1/grants/osf/route-2',
      grantBody('route-1'),
      headers,
    );
    expect(otherPath.status).toBe(422);
    // The same path and body with a query string: not the first request's answer either.
    const withQuery = await hub.request(
      editor(),
      'PUT',
      '/v1/grants/osf/route-1?visibility=public',
      grantBody('route-1'),
      headers,
    );
    expect(withQuery.status).toBe(422);
    const otherRoute = await hub.request(
      editor(),
      'POST',
      '/v1/opportunities',
      {
        title: 'x',
        recipient: { name: 'x' },
        themes: ['governance'],
        regions: ['global'],
        currency: 'USD',
        budget: 1,
        deadline: '2027-01-01',
      },
      headers,
    );
    expect(otherRoute.status).toBe(422);
    expect(otherRoute.body.errors[0].field).toBe('idempotency-key');
    expect(await hub.snapshot()).toEqual(before);
    // Another member of the same funder (OSF's admin) with the same key: its own request, not the editor's answer.
    const admin = await hub.request(
      world.keys.osf?.admin ?? '',
      'PUT',
      '/v1/grants/osf/route-3',
      grantBody('route-3'),
      headers,
    );
    expect(admin.status).toBe(201);
    expect(admin.body.grant.id).toBe('route-3');
  });

  it('stores no API key in an idempotency record: a replayed funder creation says the key was shown', async () => {
    const operator = world.keys['hub-operator']?.operator ?? '';
    const headers = { 'idempotency-key': 'create-funder-once' };
    const body = {
      id: 'idem-funder',
      name: 'Idem Funder',
      admin: { id: 'idem-admin', name: 'A', email: 'a@idem.example' },
    };
    const first = await hub.request(operator, 'POST', '/v1/funders', body, headers);
    expect(first.status, first.text).toBe(201);
    const key: string = first.body.adminKey.apiKey;
    expect(key).toMatch(/^cfd_/);
    expect((await hub.request(key, 'GET', '/v1/me')).status).toBe(200);
    const replay = await hub.request(operator, 'POST', '/v1/funders', body, headers);
    expect(replay.status).toBe(201);
    expect(replay.body.adminKey).toMatchObject({
      apiKey: null,
      apiKeyShown: expect.stringContaining('shown once'),
    });
    expect(replay.body.funder).toEqual(first.body.funder);
    // Nowhere in the idempotency table: not the key, not its secret part.
    const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
    const items = await hub.services.client.send(
      new ScanCommand({ TableName: hub.names.IDEMPOTENCY_TABLE_NAME }),
    );
    const stored = JSON.stringify(items.Items);
    expect(stored).toContain('idem-funder');
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(-20));
  });

  it('makes one API key for a retried key creation, and shows it only in the first answer', async () => {
    const admin = world.keys.osf?.admin ?? '';
    const headers = { 'idempotency-key': 'create-key-once-1' };
    const count = async () => (await hub.request(admin, 'GET', '/v1/keys')).body.items.length as number;
    const keysBefore = await count();
    const first = await hub.request(admin, 'POST', '/v1/keys', { label: 'retried' }, headers);
    expect(first.status, first.text).toBe(201);
    expect(first.body.apiKey).toMatch(/^cfd_/);
    const replay = await hub.request(admin, 'POST', '/v1/keys', { label: 'retried' }, headers);
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ apiKey: null, apiKeyShown: expect.stringContaining('shown once') });
    expect(await count()).toBe(keysBefore + 1);
  });

  it('without a key, an unchanged re-send is still a no-op by content hash', async () => {
    const put1 = await hub.request(editor(), 'PUT', '/v1/grants/osf/hash-1', grantBody('hash-1'));
    expect(put1.status).toBe(201);
    const before = await hub.snapshot();
    const put2 = await hub.request(editor(), 'PUT', '/v1/grants/osf/hash-1', grantBody('hash-1'));
    expect(put2.status).toBe(200);
    expect(put2.body.outcome).toBe('unchanged');
    expect(await hub.snapshot()).toEqual(before);
  });
});

describe('versions over HTTP', () => {
  it('returns an ETag and refuses a stale If-Match with 412', async () => {
    const created = await hub.request(editor(), 'PUT', '/v1/grants/osf/etag-1', grantBody('etag-1'));
    expect(created.headers.get('etag')).toBe('"1"');
    const updated = await hub.request(
      editor(),
      'PUT',
      '/v1/grants/osf/etag-1',
      grantBody('etag-1', { amountAwarded: 9 }),
      { 'if-match': '"1"' },
    );
    expect(updated.headers.get('etag')).toBe('"2"');
    const stale = await hub.request(
      editor(),
      'PUT',
      '/v1/grants/osf/etag-1',
      grantBody('etag-1', { amountAwarded: 10 }),
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('version_mismatch');
    const createOnly = await hub.request(
      editor(),
      'PUT',
      '/v1/grants/osf/etag-1',
      grantBody('etag-1', { amountAwarded: 11 }),
      { 'if-match': '"0"' },
    );
    expect(createOnly.status).toBe(412);
  });

  it('audits every write with who, what and when', async () => {
    await hub.request(editor(), 'PUT', '/v1/grants/osf/audited-1', grantBody('audited-1'));
    const log = await hub.request(world.keys.osf?.admin ?? '', 'GET', '/v1/audit?limit=100');
    expect(log.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'grant.create',
          resource: 'grant:osf/audited-1',
          actorMemberId: 'osf-editor',
          outcome: 'allowed',
        }),
      ]),
    );
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document covering every route, without a key', async () => {
    const res = await hub.request(null, 'GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of routes) {
      expect(res.body.paths[route.path]?.[route.method.toLowerCase()]?.operationId, route.path).toBe(
        route.operationId,
      );
    }
    const putGrant = res.body.paths['/v1/grants/{funderId}/{grantId}'].put;
    expect(putGrant.requestBody.content['application/json'].schema.properties.currency.enum).toContain('GBP');
    expect(res.body.components.schemas.Problem.properties.code).toBeDefined();
  });
});

describe('security headers', () => {
  it('sends no-store and nosniff on data and on errors', async () => {
    for (const path of ['/v1/me', '/v1/grants/osf/missing']) {
      const res = await hub.request(editor(), 'GET', path);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
