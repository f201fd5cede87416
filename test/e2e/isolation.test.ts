// Tries to cross every tenant and role boundary over HTTP, each attack paired with a positive twin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeDynamoCalls } from '../../shared/db/observe.ts';
import { routes } from '../../shared/http/route-manifest.ts';
import { encodeCursor } from '../../shared/pagination/cursor.ts';
import { issueKey, startTestHub, type TestHub } from '../support/hub.ts';
import {
  askBody,
  buildWorld,
  grantBody,
  keyOf,
  seedGrants,
  VISIBILITIES,
  type World,
} from '../support/world.ts';

let hub: TestHub;
let world: World;
let osfGrants: Array<{ id: string; visibility: string }>;
let pairId: string;
let opportunityId: string;
let orgId: string;

const key = (funder: string, role: string) => keyOf(world, funder, role);

/** Writes one grant naming one recipient, as the funder's editor. */
async function putGrant(funder: string, id: string, visibility: string, org: Record<string, string>) {
  const editor = world.principals[funder]?.editor;
  if (!editor) throw new Error('no editor');
  await hub.services.grants.put(
    { principal: editor },
    funder,
    id,
    grantBody(id, { visibility, recipientOrganization: [org] }),
  );
}

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
  osfGrants = await seedGrants(hub.services, world, 'osf');
  await seedGrants(hub.services, world, 'macarthur');
  // A doubtful pair between OSF's private grant and MacArthur's shared one (one company number, two names that share nothing).
  const pairGrants = [
    ['osf', 'osf-pair', 'private', { id: 'GB-COH-03112266', name: 'Kent Refugee Help' }],
    [
      'macarthur',
      'mac-pair',
      'hub',
      { id: '360G-mac-krh', name: 'Medway Lettings', companyNumber: '3112266' },
    ],
  ] as const;
  for (const [funder, id, visibility, org] of pairGrants) await putGrant(funder, id, visibility, org);
  osfGrants.push({ id: 'osf-pair', visibility: 'private' });
  // Resolution runs from the stream in the hub; here every written grant is resolved directly, in order.
  for (const funder of ['osf', 'macarthur']) {
    for (const id of [
      ...VISIBILITIES.map((v) => `${funder}-${v.replace(':', '-')}`),
      'osf-pair',
      'mac-pair',
    ]) {
      const stored = await hub.services.repos.grants.getCurrent(funder, id);
      if (stored) await hub.services.resolver.resolveGrant(stored);
    }
  }
  const osfAdmin = world.principals.osf?.admin;
  if (!osfAdmin) throw new Error('no osf admin');
  const queue = await hub.services.duplicates.list({ principal: osfAdmin }, { limit: 10 });
  pairId = queue.items[0]?.pairId ?? 'missing';
  opportunityId = (
    await hub.services.opportunities.create({ principal: osfAdmin }, askBody('Private ask', 'private'))
  ).id;
  // An organisation id names the oldest record of the caller's part: MacArthur asks under its own.
  const macViewer = world.principals.macarthur?.viewer;
  if (!macViewer) throw new Error('no macarthur viewer');
  orgId =
    (await hub.services.duplicates.ofGrant({ principal: macViewer }, 'osf', 'osf-hub')).items[0]?.orgId ??
    'missing';
});
afterAll(async () => hub?.close());

/** Fills path templates with real ids so each route is reached, not 404ed by routing. */
function concretePath(path: string): string {
  return path
    .replace('{funderId}', 'osf')
    .replace('{grantId}', 'osf-private')
    .replace('{collaborativeId}', 'epim')
    .replace('{memberId}', 'osf-viewer')
    .replace('{keyId}', '0123456789abcdef')
    .replace('{pairId}', pairId)
    .replace('{orgId}', orgId)
    .replace('{opportunityId}', opportunityId)
    .replace('{uploadId}', 'imp-someupload')
    .replace('{deadLetterId}', 'resolve-organisations~no-such-event');
}

describe('keys that must not work, on every authenticated route', () => {
  const authRoutes = routes.filter((r) => r.auth);

  it('answers 401 without a key on every route, and changes nothing', async () => {
    const before = await hub.snapshot();
    for (const route of authRoutes) {
      const res = await hub.request(
        null,
        route.method,
        concretePath(route.path),
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
    expect(await hub.snapshot()).toEqual(before);
  });

  it.each([
    [
      'expired',
      async () =>
        issueKey(hub.services, 'osf', 'osf-admin', { expiresAt: new Date(Date.now() - 1000).toISOString() }),
    ],
    [
      'revoked',
      async () => issueKey(hub.services, 'osf', 'osf-admin', { revokedAt: new Date().toISOString() }),
    ],
    [
      'forged (real key id, wrong secret)',
      async () => `${key('osf', 'admin').slice(0, 21)}${'A'.repeat(43)}`,
    ],
    ['malformed', async () => 'not-a-key'],
    ['of a member that was never created', async () => issueKey(hub.services, 'osf', 'ghost')],
  ])('answers 403 with a %s key on every route, and changes nothing', async (_label, makeKey) => {
    const badKey = await makeKey();
    const before = await hub.snapshot();
    for (const route of authRoutes) {
      const res = await hub.request(
        badKey,
        route.method,
        concretePath(route.path),
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.text).not.toContain('secret title');
    }
    expect(await hub.snapshot()).toEqual(before);
  });

  it('positive twin: a valid key reaches every read route (the operator its own)', async () => {
    const operatorOnly = new Set(['/v1/dead-letters']);
    // An upload of MacArthur's (OSF's grants are counted elsewhere) for the status route to find.
    const upload = await hub.request(key('macarthur', 'editor'), 'POST', '/v1/grants/batch', {
      uploadId: 'imp-someupload',
      grants: [grantBody('macarthur-twin-upload', { visibility: 'private' })],
    });
    expect(upload.body.results?.[0]?.outcome).toBe('created');
    for (const route of authRoutes.filter((r) => r.method === 'GET')) {
      const caller = operatorOnly.has(route.path)
        ? key('hub-operator', 'operator')
        : route.path === '/v1/uploads/{uploadId}'
          ? key('macarthur', 'admin')
          : key('osf', 'admin');
      const res = await hub.request(caller, 'GET', concretePath(route.path));
      expect(res.status, `${route.method} ${route.path}`).toBe(200);
    }
  });

  it('records denied keys in the audit log of the key’s funder', async () => {
    const expired = await issueKey(hub.services, 'osf', 'osf-viewer', {
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    await hub.request(expired, 'GET', '/v1/grants');
    const log = await hub.request(key('osf', 'admin'), 'GET', '/v1/audit?limit=100');
    expect(log.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'authenticate',
          outcome: 'denied',
          reason: 'expired key',
          actorMemberId: 'osf-viewer',
        }),
      ]),
    );
  });
});

describe('reading another funder’s grants', () => {
  const expectations: Record<string, { macarthur: number; nef: number; osf: number }> = {
    private: { macarthur: 404, nef: 404, osf: 200 },
    hub: { macarthur: 200, nef: 200, osf: 200 },
    public: { macarthur: 200, nef: 200, osf: 200 },
    'collaborative:epim': { macarthur: 404, nef: 200, osf: 200 },
  };

  it('gets a grant only where its visibility allows, with the same 404 as a missing grant', async () => {
    for (const grant of osfGrants) {
      for (const reader of ['macarthur', 'nef', 'osf'] as const) {
        const res = await hub.request(key(reader, 'viewer'), 'GET', `/v1/grants/osf/${grant.id}`);
        expect(res.status, `${reader} reads ${grant.visibility}`).toBe(
          expectations[grant.visibility]?.[reader],
        );
        if (res.status === 404) {
          const missing = await hub.request(key(reader, 'viewer'), 'GET', '/v1/grants/osf/does-not-exist');
          expect(res.body).toEqual({
            ...missing.body,
            detail: missing.body.detail.replace('does-not-exist', grant.id),
            instance: res.body.instance,
          });
        }
      }
    }
  });

  it("answers a hidden grant as a missing one in headers and in the caller's audit log; the owner sees who tried", async () => {
    const log = async (funder: string) =>
      (await hub.request(key(funder, 'admin'), 'GET', '/v1/audit?limit=100')).body.items as Array<{
        action: string;
        resource: string;
        outcome: string;
        reason?: string;
        actorFunderId: string;
      }>;
    const hidden = await hub.request(key('macarthur', 'viewer'), 'GET', '/v1/grants/osf/osf-private');
    const missing = await hub.request(key('macarthur', 'viewer'), 'GET', '/v1/grants/osf/osf-never-written');
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    const headers = (res: typeof hidden) =>
      Object.fromEntries(
        [...res.headers].filter(([name]) => !['date', 'content-length', 'apigw-requestid'].includes(name)),
      );
    expect(headers(hidden)).toEqual(headers(missing));
    const mine = await log('macarthur');
    const about = (resource: string) => [
      ...new Set(
        mine
          .filter((e) => e.resource === resource)
          .map(({ action, outcome, reason }) => JSON.stringify({ action, outcome, reason })),
      ),
    ];
    expect(about('grant:osf/osf-private')).toHaveLength(1);
    expect(about('grant:osf/osf-private')).toEqual(about('grant:osf/osf-never-written'));
    expect(JSON.stringify(mine)).not.toContain('visibility private');
    const owners = await log('osf');
    expect(owners).toContainEqual(
      expect.objectContaining({
        resource: 'grant:osf/osf-private',
        outcome: 'denied',
        actorFunderId: 'macarthur',
        reason: 'visibility private',
      }),
    );
    // A grant's organisations: hidden and missing both tell the funder named in the path (the same two writes),
    // after the same reads (the grant item only: its records are read once the grant may be shown).
    const reads: Record<string, string[]> = {};
    for (const id of ['osf-private', 'osf-never-written']) {
      const calls: string[] = [];
      const stop = observeDynamoCalls((c) => {
        if (c.fn === 'listGrantOrganisations') calls.push(`${c.action} ${c.family}`);
      });
      const res = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/grants/osf/${id}/organisations`);
      stop();
      expect(res.status).toBe(404);
      reads[id] = calls.sort();
    }
    expect(reads['osf-private']).toEqual(reads['osf-never-written']);
    expect(reads['osf-private']?.filter((c) => !c.endsWith('AUDIT'))).toEqual(['GetItem GRANT']);
    const after = await log('osf');
    for (const id of ['osf-private', 'osf-never-written']) {
      expect(after).toContainEqual(
        expect.objectContaining({
          action: 'grant.organisations',
          resource: `grant:osf/${id}`,
          outcome: 'denied',
          actorFunderId: 'macarthur',
        }),
      );
    }
  });

  it('lists, filters and counts only visible grants, whatever filter is asked for', async () => {
    const queries = [
      '/v1/grants?limit=100',
      '/v1/grants?funder=osf&limit=100',
      '/v1/grants?funder=osf&visibility=private&limit=100',
      '/v1/grants?funder=osf&visibility=collaborative:epim&limit=100',
      '/v1/grants?visibility=private&limit=100',
      '/v1/grants?recipient=GB-CHC-1126147&limit=100',
      '/v1/grants?theme=governance&region=global&awardYearFrom=2015&awardYearTo=2015&limit=100',
    ];
    for (const q of queries) {
      const res = await hub.request(key('macarthur', 'viewer'), 'GET', q);
      expect(res.status, q).toBe(200);
      const osfIds = res.body.items
        .filter((g: { funderId: string }) => g.funderId === 'osf')
        .map((g: { id: string }) => g.id);
      expect(
        osfIds.every((id: string) => id === 'osf-hub' || id === 'osf-public'),
        q,
      ).toBe(true);
      expect(res.text, q).not.toContain('osf private secret title');
      expect(res.text, q).not.toContain('osf collaborative:epim secret title');
      const count = await hub.request(
        key('macarthur', 'viewer'),
        'GET',
        q.replace('/v1/grants?', '/v1/grants/count?').replace(/&?limit=100/, ''),
      );
      expect(count.status, q).toBe(200);
      expect(count.body.count, q).toBe(res.body.items.length);
    }
    // Positive twins: the owner sees all four, the EPIM member sees the shared one.
    const own = await hub.request(key('osf', 'viewer'), 'GET', '/v1/grants?funder=osf&limit=100');
    expect(own.body.items.map((g: { id: string }) => g.id).sort()).toEqual(osfGrants.map((g) => g.id).sort());
    const member = await hub.request(key('nef', 'viewer'), 'GET', '/v1/grants/count?funder=osf');
    expect(member.body.count).toBe(3);
  });

  it('never shows version history to another funder, even of a public grant', async () => {
    for (const grant of osfGrants) {
      const res = await hub.request(key('nef', 'admin'), 'GET', `/v1/grants/osf/${grant.id}/versions`);
      expect(res.status).toBe(404);
      const own = await hub.request(key('osf', 'viewer'), 'GET', `/v1/grants/osf/${grant.id}/versions`);
      expect(own.status).toBe(200);
    }
  });

  it('rejects a cursor rewritten to resume in another funder’s partition', async () => {
    const page = await hub.request(key('macarthur', 'viewer'), 'GET', '/v1/grants?limit=1');
    expect(page.body.nextCursor).toBeTruthy();
    // Re-signed with the hub's own key (this test runs in the hub's process): the checks behind the signature hold
    // on their own. Without the key, any edit fails the signature (bad-input.test.ts).
    const decoded = JSON.parse(Buffer.from(page.body.nextCursor.split('.')[0], 'base64url').toString());
    const tampered = [
      encodeCursor({ ...decoded, k: { ...decoded.k, GSI1PK: 'FUNDER#osf#GRANTS' } }),
      encodeCursor({ ...decoded, f: decoded.f.replace(/^macarthur/, 'osf') }),
      encodeCursor({ ...decoded, s: 99 }),
      // Cut short (an appended character can decode to the same bytes, so it proves nothing).
      page.body.nextCursor.slice(0, -6),
      'not base64 at all!',
    ];
    for (const cursor of tampered) {
      const res = await hub.request(
        key('macarthur', 'viewer'),
        'GET',
        `/v1/grants?limit=1&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(res.status, cursor).toBe(400);
      expect(res.body.code).toBe('invalid_cursor');
    }
    const next = await hub.request(
      key('macarthur', 'viewer'),
      'GET',
      `/v1/grants?limit=1&cursor=${page.body.nextCursor}`,
    );
    expect(next.status).toBe(200);
  });
});

describe('writing another funder’s grants', () => {
  it.each(['viewer', 'editor', 'admin'])(
    'refuses a macarthur %s every write to OSF grants and changes nothing',
    async (role) => {
      const before = await hub.snapshot();
      for (const grant of osfGrants) {
        const put = await hub.request(
          key('macarthur', role),
          'PUT',
          `/v1/grants/osf/${grant.id}`,
          grantBody(grant.id, { title: 'hijacked' }),
        );
        expect(put.status).toBe(403);
        expect(put.headers.get('content-type')).toBe('application/problem+json');
        const del = await hub.request(key('macarthur', role), 'DELETE', `/v1/grants/osf/${grant.id}`);
        expect(del.status).toBe(403);
      }
      expect(await hub.snapshot()).toEqual(before);
    },
  );

  it('audits a cross-funder write attempt in both funders’ logs', async () => {
    await hub.request(key('macarthur', 'editor'), 'PUT', '/v1/grants/osf/osf-hub', grantBody('osf-hub'));
    for (const funder of ['osf', 'macarthur']) {
      const log = await hub.request(key(funder, 'admin'), 'GET', '/v1/audit?limit=100');
      expect(log.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'grant.put',
            outcome: 'denied',
            actorFunderId: 'macarthur',
            resource: 'grant:osf/osf-hub',
          }),
        ]),
      );
    }
  });

  it('writes a batch with another funder’s ids as the caller’s own grants, leaving the other funder’s untouched', async () => {
    const res = await hub.request(key('macarthur', 'editor'), 'POST', '/v1/grants/batch', {
      grants: [grantBody('osf-private', { title: 'macarthur own record' })],
    });
    expect(res.status).toBe(200);
    expect(res.body.summary.created).toBe(1);
    const osfRecord = await hub.request(key('osf', 'viewer'), 'GET', '/v1/grants/osf/osf-private');
    expect(osfRecord.body.grant.title).toBe('osf private secret title');
    const own = await hub.request(key('macarthur', 'viewer'), 'GET', '/v1/grants/macarthur/osf-private');
    expect(own.body.grant.title).toBe('macarthur own record');
  });

  it('rejects owner, version and funder fields in the body (no mass assignment)', async () => {
    const before = await hub.snapshot();
    for (const extra of [
      { funderId: 'osf' },
      { version: 99 },
      { createdAt: '2000-01-01T00:00:00Z' },
      { owner: 'osf' },
    ]) {
      const res = await hub.request(key('macarthur', 'editor'), 'PUT', '/v1/grants/macarthur/mass-1', {
        ...grantBody('mass-1'),
        ...extra,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe(Object.keys(extra)[0]);
    }
    expect(await hub.snapshot()).toEqual(before);
  });

  it('positive twin: the OSF editor can update and delete its own grant', async () => {
    const put = await hub.request(
      key('osf', 'editor'),
      'PUT',
      '/v1/grants/osf/osf-extra',
      grantBody('osf-extra'),
    );
    expect(put.status).toBe(201);
    const upd = await hub.request(
      key('osf', 'editor'),
      'PUT',
      '/v1/grants/osf/osf-extra',
      grantBody('osf-extra', { amountAwarded: 7 }),
      {
        'if-match': put.headers.get('etag') ?? '',
      },
    );
    expect(upd.status).toBe(200);
    const del = await hub.request(key('osf', 'editor'), 'DELETE', '/v1/grants/osf/osf-extra');
    expect(del.status).toBe(200);
  });

  it('refuses grant writes to a viewer of the owner funder', async () => {
    const res = await hub.request(
      key('osf', 'viewer'),
      'PUT',
      '/v1/grants/osf/viewer-1',
      grantBody('viewer-1'),
    );
    expect(res.status).toBe(403);
    const batch = await hub.request(key('osf', 'viewer'), 'POST', '/v1/grants/batch', {
      grants: [grantBody('viewer-2')],
    });
    expect(batch.status).toBe(403);
  });
});

describe('organisations and duplicates across funders', () => {
  it('shows an organisation only through records the caller may see', async () => {
    // Every world grant names the same charity: one organisation holding every funder's records.
    const mac = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/organisations/${orgId}`);
    expect(mac.status).toBe(200);
    const macSees = mac.body.mentions.map((m: { grantId: string }) => m.grantId).sort();
    expect(macSees.filter((id: string) => id.startsWith('osf-'))).toEqual(['osf-hub', 'osf-public']);
    const osfFunder = mac.body.funders.find((f: { funderId: string }) => f.funderId === 'osf');
    expect(osfFunder.grants).toBe(2); // counts leave out what MacArthur may not see
    // Positive twin: an EPIM member also sees OSF's EPIM-shared record.
    const nef = await hub.request(key('nef', 'viewer'), 'GET', `/v1/organisations/${orgId}`);
    expect(nef.body.mentions.map((m: { grantId: string }) => m.grantId)).toContain('osf-collaborative-epim');
    expect(JSON.stringify(nef.body)).not.toContain('osf-private');
    const hidden = await hub.request(
      key('macarthur', 'viewer'),
      'GET',
      '/v1/grants/osf/osf-private/organisations',
    );
    expect(hidden.status).toBe(404);
    // OSF's own id names its private record, which MacArthur may not read: a 404 exactly as a made-up id.
    const osfId = (await hub.request(key('osf', 'viewer'), 'GET', '/v1/grants/osf/osf-private/organisations'))
      .body.items[0].orgId;
    const ask = (id: string) => hub.request(key('macarthur', 'viewer'), 'GET', `/v1/organisations/${id}`);
    const asHidden = await ask(osfId);
    const asMissing = await ask(`org_${Buffer.from('osf#no-such-grant#0').toString('base64url')}`);
    expect(asHidden.status).toBe(404);
    expect(asMissing.status).toBe(404);
    expect(asHidden.body.detail.replace(osfId, 'X')).toBe(
      asMissing.body.detail.replace(/org_[A-Za-z0-9_-]+/, 'X'),
    );
  });

  it('keeps a pair with another funder’s private record out of its queue, reads and decisions', async () => {
    const before = await hub.snapshot();
    const queue = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/duplicates?limit=100');
    expect(queue.body.items).toEqual([]);
    expect((await hub.request(key('macarthur', 'admin'), 'GET', `/v1/duplicates/${pairId}`)).status).toBe(
      404,
    );
    const decide = await hub.request(key('macarthur', 'admin'), 'POST', `/v1/duplicates/${pairId}/decision`, {
      decision: 'reject',
    });
    expect(decide.status).toBe(404);
    expect(await hub.snapshot()).toEqual(before);
    // Not even a queue entry exists for MacArthur, so no page of its queue can hint at the hidden record.
    const queued = before
      .filter((i) => i.PK === `PAIR#${pairId}` && String(i.SK).startsWith('QUEUE#'))
      .map((i) => i.SK);
    expect(queued).toEqual(['QUEUE#osf']);
    // Positive twin: OSF sees both sides, so the pair is OSF's to review.
    const own = await hub.request(key('osf', 'viewer'), 'GET', `/v1/duplicates/${pairId}`);
    expect(own.status).toBe(200);
  });
  it('never joins two records a caller may read through a record it may not: its answers are as if that record did not exist', async () => {
    // MacArthur and NEF each report Harbour Legal Aid under a different register; nothing they share says it is
    // one organisation (one name, two numbers in two schemes). OSF's private record holds both numbers.
    const put = async (funder: string, id: string, visibility: string, org: Record<string, string>) => {
      await putGrant(funder, id, visibility, org);
      const stored = await hub.services.repos.grants.getCurrent(funder, id);
      if (stored) await hub.services.resolver.resolveGrant(stored, { force: true });
    };
    await put('macarthur', 'hla-1', 'hub', {
      id: '360G-mac-hla',
      name: 'Harbour Legal Aid',
      charityNumber: '1130001',
    });
    await put('nef', 'hla-1', 'hub', {
      id: '360G-nef-hla',
      name: 'Harbour Legal Aid',
      companyNumber: '07130001',
    });
    const answers = async () => {
      const out: unknown[] = [];
      for (const path of ['/v1/grants/macarthur/hla-1/organisations', '/v1/grants/nef/hla-1/organisations']) {
        const res = await hub.request(key('macarthur', 'viewer'), 'GET', path);
        expect(res.status).toBe(200);
        const page = await hub.request(
          key('macarthur', 'viewer'),
          'GET',
          `/v1/organisations/${res.body.items[0].orgId}`,
        );
        out.push(res.body, page.body);
      }
      return out;
    };
    const before = await answers();
    const stored = async () =>
      hub.services.repos.resolution.getMentions(['macarthur#hla-1#0', 'nef#hla-1#0', 'osf#hla-1#0']);
    expect((await stored()).get('macarthur#hla-1#0')?.orgId).not.toBe(
      (await stored()).get('nef#hla-1#0')?.orgId,
    );

    await put('osf', 'hla-1', 'private', {
      id: 'GB-CHC-1130001',
      name: 'Harbour Legal Aid',
      companyNumber: '07130001',
    });
    await put('nef', 'hla-1', 'hub', {
      id: '360G-nef-hla',
      name: 'Harbour Legal Aid',
      companyNumber: '07130001',
    });
    const tied = await stored();
    // In the backend all three are now one organisation, tied only through OSF's private record.
    expect(new Set([...tied.values()].map((m) => m.orgId)).size).toBe(1);
    expect(await answers()).toEqual(before);
    // The gap figures count the two shared records as two grantees, the private one on its own.
    expect(new Set([...tied.values()].map((m) => m.granteeKey)).size).toBe(3);
    // Positive twin: OSF, who may read all three, sees one organisation holding both numbers.
    const osf = await hub.request(key('osf', 'viewer'), 'GET', '/v1/grants/nef/hla-1/organisations');
    const osfPage = await hub.request(
      key('osf', 'viewer'),
      'GET',
      `/v1/organisations/${osf.body.items[0].orgId}`,
    );
    expect(osfPage.body.mentions.map((m: { funderId: string }) => m.funderId).sort()).toEqual([
      'macarthur',
      'nef',
      'osf',
    ]);
  });
});

describe('members, keys, audit and hub administration', () => {
  it('keeps member lists, member changes, keys and audit logs inside the funder', async () => {
    const members = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/members');
    expect(members.body.items.every((m: { funderId: string }) => m.funderId === 'macarthur')).toBe(true);
    const promote = await hub.request(key('macarthur', 'admin'), 'PATCH', '/v1/members/osf-viewer', {
      role: 'admin',
    });
    expect(promote.status).toBe(404);
    // Positive twin: an admin changes a member of its own funder; an editor may not.
    expect(
      (
        await hub.request(key('macarthur', 'editor'), 'PATCH', '/v1/members/macarthur-viewer', {
          role: 'editor',
        })
      ).status,
    ).toBe(403);
    const own = await hub.request(key('macarthur', 'admin'), 'PATCH', '/v1/members/macarthur-viewer', {
      role: 'editor',
    });
    expect(own.body).toMatchObject({ id: 'macarthur-viewer', funderId: 'macarthur', role: 'editor' });
    await hub.request(key('macarthur', 'admin'), 'PATCH', '/v1/members/macarthur-viewer', { role: 'viewer' });
    const keys = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/keys');
    expect(keys.body.items.every((k: { funderId: string }) => k.funderId === 'macarthur')).toBe(true);
    expect(keys.text).not.toContain('secretHash');
    const osfKeys = await hub.request(key('osf', 'admin'), 'GET', '/v1/keys');
    const osfKeyId = osfKeys.body.items[0].keyId;
    const revoke = await hub.request(key('macarthur', 'admin'), 'DELETE', `/v1/keys/${osfKeyId}`);
    expect(revoke.status).toBe(404);
    const audit = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/audit?limit=100');
    expect(audit.body.items.every((e: { funderId: string }) => e.funderId === 'macarthur')).toBe(true);
  });

  it('gives member, key-listing and audit administration to admins only', async () => {
    expect((await hub.request(key('osf', 'editor'), 'GET', '/v1/members')).status).toBe(403);
    expect((await hub.request(key('osf', 'viewer'), 'GET', '/v1/audit')).status).toBe(403);
    expect(
      (
        await hub.request(key('osf', 'editor'), 'POST', '/v1/members', {
          id: 'new-person',
          name: 'New',
          email: 'n@example.org',
          role: 'admin',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await hub.request(key('osf', 'admin'), 'POST', '/v1/members', {
          id: 'new-person',
          name: 'New',
          email: 'n@example.org',
          role: 'viewer',
        })
      ).status,
    ).toBe(201);
    const viewerKeys = await hub.request(key('osf', 'viewer'), 'GET', '/v1/keys');
    expect(viewerKeys.body.items.every((k: { memberId: string }) => k.memberId === 'osf-viewer')).toBe(true);
  });

  it('lets only the operator see or replay stream records set aside', async () => {
    for (const role of ['viewer', 'editor', 'admin']) {
      expect((await hub.request(key('osf', role), 'GET', '/v1/dead-letters')).status).toBe(403);
      expect(
        (await hub.request(key('osf', role), 'POST', '/v1/dead-letters/resolve-organisations~e1/replay'))
          .status,
      ).toBe(403);
    }
    const listed = await hub.request(key('hub-operator', 'operator'), 'GET', '/v1/dead-letters');
    expect(listed.status).toBe(200);
    const missing = await hub.request(
      key('hub-operator', 'operator'),
      'POST',
      '/v1/dead-letters/resolve-organisations~no-such-event/replay',
    );
    expect(missing.status).toBe(404);
  });

  it("answers another funder's upload id exactly as one never written: 404", async () => {
    const written = await hub.request(key('osf', 'editor'), 'POST', '/v1/grants/batch', {
      uploadId: 'osf-upload-1',
      grants: [grantBody('osf-upload-grant')],
    });
    expect(written.body.uploadId).toBe('osf-upload-1');
    const own = await hub.request(key('osf', 'viewer'), 'GET', '/v1/uploads/osf-upload-1');
    expect(own.body).toMatchObject({ funderId: 'osf', grants: 1 });
    const foreign = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/uploads/osf-upload-1');
    const none = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/uploads/never-written');
    expect(foreign.status).toBe(404);
    expect(foreign.body.detail.replace('osf-upload-1', 'X')).toBe(
      none.body.detail.replace('never-written', 'X'),
    );
    expect({ ...foreign.body, detail: '', instance: '' }).toEqual({ ...none.body, detail: '', instance: '' });
    expect(foreign.text).not.toMatch(/osf-upload-grant|"osf"/);
  });

  it('lets only the operator manage funders and collaboratives', async () => {
    const funder = { id: 'new-funder', name: 'New Funder' };
    for (const role of ['viewer', 'editor', 'admin']) {
      expect((await hub.request(key('osf', role), 'POST', '/v1/funders', funder)).status).toBe(403);
      expect(
        (await hub.request(key('osf', role), 'PATCH', '/v1/funders/macarthur', { status: 'exiting' })).status,
      ).toBe(403);
      expect(
        (
          await hub.request(key('osf', role), 'POST', '/v1/collaboratives', {
            id: 'c2',
            name: 'C2',
            secretariat: 'osf',
          })
        ).status,
      ).toBe(403);
    }
    const created = await hub.request(key('hub-operator', 'operator'), 'POST', '/v1/funders', {
      ...funder,
      admin: { id: 'new-admin', name: 'New Admin', email: 'admin@new.example' },
    });
    expect(created.status).toBe(201);
    // The first admin's key works, for that funder only, and can manage its members.
    const firstKey = created.body.adminKey.apiKey;
    const me = await hub.request(firstKey, 'GET', '/v1/me');
    expect(me.body.principal).toMatchObject({ funderId: 'new-funder', role: 'admin' });
    expect(
      (await hub.request(firstKey, 'GET', '/v1/members')).body.items.map((m: { id: string }) => m.id),
    ).toEqual(['new-admin']);
    expect((await hub.request(firstKey, 'GET', '/v1/grants/osf/osf-private')).status).toBe(404);
    expect((await hub.request(key('hub-operator', 'operator'), 'POST', '/v1/funders', funder)).status).toBe(
      409,
    );
    const exiting = await hub.request(key('hub-operator', 'operator'), 'PATCH', '/v1/funders/macarthur', {
      status: 'exiting',
    });
    expect(exiting.body.status).toBe('exiting');
    const collaborative = await hub.request(key('hub-operator', 'operator'), 'POST', '/v1/collaboratives', {
      id: 'c2',
      name: 'C2',
      secretariat: 'osf',
    });
    expect(collaborative.status).toBe(201);
    expect(collaborative.body).toMatchObject({ id: 'c2', secretariat: 'osf', members: [] });
  });

  it('gives each registered identifier to one funder, also when two creations race', async () => {
    const operator = key('hub-operator', 'operator');
    const create = (id: string, identifiers: string[]) =>
      hub.request(operator, 'POST', '/v1/funders', { id, name: `Funder ${id}`, identifiers });
    expect((await create('claim-a', ['US-EIN-137000001'])).status).toBe(201);
    // The same identifier as the hub compares them (an EIN with its dash): refused, naming it, nothing written.
    const twin = await create('claim-b', ['US-EIN-13-7000001']);
    expect(twin.status).toBe(409);
    expect(twin.body.code).toBe('identifier_taken');
    expect(twin.body.errors).toEqual([
      { field: 'identifiers.0', message: 'is held by funder claim-a', value: 'US-EIN-13-7000001' },
    ]);
    expect((await hub.request(operator, 'GET', '/v1/funders/claim-b')).status).toBe(404);
    expect((await create('claim-b', ['GB-CHC-7654321'])).status).toBe(201);
    const added = await hub.request(operator, 'PATCH', '/v1/funders/claim-b', {
      identifiers: ['GB-CHC-7654321', 'US-EIN-137000001'],
    });
    expect(added.status).toBe(409);
    expect(added.body.errors[0]).toMatchObject({ field: 'identifiers.1', value: 'US-EIN-137000001' });
    expect((await hub.request(operator, 'GET', '/v1/funders/claim-b')).body.identifiers).toEqual([
      'GB-CHC-7654321',
    ]);
    // Released by its holder, it can be taken.
    expect((await hub.request(operator, 'PATCH', '/v1/funders/claim-a', { identifiers: [] })).status).toBe(
      200,
    );
    const taken = await hub.request(operator, 'PATCH', '/v1/funders/claim-b', {
      identifiers: ['GB-CHC-7654321', 'US-EIN-137000001'],
    });
    expect(taken.status).toBe(200);
    // Two creations with one new identifier at once: exactly one gets it.
    const raced = await Promise.all(
      ['race-1', 'race-2', 'race-3'].map((id) => create(id, ['US-EIN-990000001'])),
    );
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('checks a grant’s funding organisation against the identifiers as they are now, not as last cached', async () => {
    const operator = key('hub-operator', 'operator');
    const publish = (id: string, fundingId: string, name: string) =>
      hub.request(
        key('nef', 'editor'),
        'PUT',
        `/v1/grants/nef/${id}`,
        grantBody(id, { visibility: 'hub', fundingOrganization: [{ id: fundingId, name }] }),
      );
    // The hub's funders are read once here (and cached); then a funder is created with a new identifier.
    expect((await publish('fresh-0', '360G-nef', 'NEF')).status).toBeLessThan(300);
    expect(
      (
        await hub.request(operator, 'POST', '/v1/funders', {
          id: 'fresh-trust',
          name: 'Fresh Trust',
          identifiers: ['GB-CHC-9000007'],
        })
      ).status,
    ).toBe(201);
    const impersonating = await publish('fresh-1', 'GB-CHC-9000007', 'Seventh Trust');
    expect(impersonating.status).toBe(422);
    expect(impersonating.body.code).toBe('funding_organisation_mismatch');
    expect(impersonating.body.errors[0].message).toContain('fresh-trust');
    // Moved to another funder a moment ago: the check names the new holder.
    expect(
      (await hub.request(operator, 'PATCH', '/v1/funders/fresh-trust', { identifiers: [] })).status,
    ).toBe(200);
    expect(
      (
        await hub.request(operator, 'PATCH', '/v1/funders/claim-b', {
          identifiers: ['GB-CHC-7654321', 'GB-CHC-9000007'],
        })
      ).status,
    ).toBe(200);
    const moved = await publish('fresh-2', 'GB-CHC-9000007', 'Fresh Trust');
    expect(moved.status).toBe(422);
    expect(moved.body.errors[0].message).toContain('claim-b');
    expect((await hub.request(key('nef', 'viewer'), 'GET', '/v1/grants/nef/fresh-1')).status).toBe(404);
  });

  it('refuses a funder identifier a reader could take for another funder’s, naming it, and writes nothing', async () => {
    const operator = key('hub-operator', 'operator');
    for (const lookalike of [
      'US-EIN-13.702.9285',
      'US-EIN-0137029285',
      'US-EIN-137029285/',
      'US-EIN-137029285#',
      'US-EIN-１３７０２９２８５',
      'US-EIN-137029285\u200b',
      'US-EIN-13\u20137029285',
    ]) {
      for (const [method, path, body] of [
        ['POST', '/v1/funders', { id: 'lookalike', name: 'Lookalike', identifiers: [lookalike] }],
        ['PATCH', '/v1/funders/claim-b', { identifiers: ['GB-CHC-7654321', lookalike] }],
      ] as const) {
        const res = await hub.request(operator, method, path, body);
        expect(res.status, `${method} ${lookalike}`).toBe(400);
        expect(res.body.errors[0]).toMatchObject({ value: lookalike });
        expect(res.body.errors[0].field).toMatch(/^(body\.)?identifiers\.[01]$/);
      }
    }
    const twice = await hub.request(operator, 'POST', '/v1/funders', {
      id: 'lookalike',
      name: 'Lookalike',
      identifiers: ['US-EIN-990000002', 'US-EIN-99-0000002'],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.errors[0]).toMatchObject({ field: 'identifiers.1', value: 'US-EIN-99-0000002' });
    expect((await hub.request(operator, 'GET', '/v1/funders/lookalike')).status).toBe(404);
    // Positive twin: the same number written as the register writes it is a funder's.
    expect(
      (
        await hub.request(operator, 'POST', '/v1/funders', {
          id: 'lookalike',
          name: 'Lookalike',
          identifiers: ['US-EIN-99-0000002'],
        })
      ).status,
    ).toBe(201);
  });

  it('lets only secretariat admins invite, and a funder join only when its own admin accepts', async () => {
    const path = '/v1/collaboratives/epim/members/macarthur';
    const read = async () =>
      (await hub.request(key('macarthur', 'viewer'), 'GET', '/v1/grants/osf/osf-collaborative-epim')).status;
    expect((await hub.request(key('osf', 'admin'), 'PUT', path)).status).toBe(403);
    expect((await hub.request(key('nef', 'editor'), 'PUT', path)).status).toBe(403);
    expect((await hub.request(key('macarthur', 'admin'), 'PUT', path)).status).toBe(403);
    // The hub operator can neither add a funder nor itself, nor remove one.
    expect((await hub.request(key('hub-operator', 'operator'), 'PUT', path)).status).toBe(403);
    expect(
      (
        await hub.request(
          key('hub-operator', 'operator'),
          'PUT',
          '/v1/collaboratives/epim/members/hub-operator',
        )
      ).status,
    ).toBe(403);
    expect(
      (await hub.request(key('hub-operator', 'operator'), 'DELETE', '/v1/collaboratives/epim/members/osf'))
        .status,
    ).toBe(403);
    const invited = await hub.request(key('nef', 'admin'), 'PUT', path);
    expect(invited.status).toBe(202);
    expect(invited.body).toMatchObject({
      outcome: 'invited',
      invitation: { funderId: 'macarthur', invitedBy: 'nef-admin' },
    });
    expect(invited.body.collaborative.members).not.toContain('macarthur');
    expect((await hub.request(key('nef', 'admin'), 'PUT', path)).status).toBe(202);
    // Invited is not a member: nothing of EPIM's is readable yet.
    expect(await read()).toBe(404);
    const waiting = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/invitations');
    expect(waiting.body.items).toEqual([
      expect.objectContaining({ collaborativeId: 'epim', funderId: 'macarthur' }),
    ]);
    // Only the invited funder's admin accepts: not its viewer or editor, not another funder's admin.
    expect(
      (await hub.request(key('macarthur', 'editor'), 'POST', '/v1/invitations/epim/accept')).status,
    ).toBe(403);
    // Accepting someone else's invitation is not possible: the caller's funder is all an accept acts for (OSF is
    // a member already: unchanged), and a funder never invited has nothing to accept.
    expect((await hub.request(key('osf', 'admin'), 'POST', '/v1/invitations/epim/accept')).status).toBe(200);
    expect((await hub.request(key('osf', 'admin'), 'POST', '/v1/invitations/nowhere/accept')).status).toBe(
      404,
    );
    expect(
      (await hub.request(key('hub-operator', 'operator'), 'POST', '/v1/invitations/epim/accept')).status,
    ).toBe(404);
    const accepted = await hub.request(key('macarthur', 'admin'), 'POST', '/v1/invitations/epim/accept');
    expect(accepted.status).toBe(201);
    expect(accepted.body.collaborative.members).toContain('macarthur');
    expect((await hub.request(key('macarthur', 'admin'), 'POST', '/v1/invitations/epim/accept')).status).toBe(
      200,
    );
    // Membership takes effect on the next request: MacArthur now sees OSF's EPIM-shared grant.
    expect(await read()).toBe(200);
    expect((await hub.request(key('nef', 'admin'), 'DELETE', path)).status).toBe(200);
    expect(await read()).toBe(404);
    // A declined invitation is gone; so is a withdrawn one.
    expect((await hub.request(key('nef', 'admin'), 'PUT', path)).status).toBe(202);
    expect(
      (await hub.request(key('macarthur', 'admin'), 'POST', '/v1/invitations/epim/decline')).status,
    ).toBe(200);
    expect((await hub.request(key('macarthur', 'admin'), 'POST', '/v1/invitations/epim/accept')).status).toBe(
      404,
    );
    expect((await hub.request(key('nef', 'admin'), 'PUT', path)).status).toBe(202);
    expect((await hub.request(key('nef', 'admin'), 'DELETE', path)).status).toBe(200);
    expect((await hub.request(key('macarthur', 'admin'), 'POST', '/v1/invitations/epim/accept')).status).toBe(
      404,
    );
    expect(await read()).toBe(404);
  });

  it('gives a pooled fund the operator declares for a collaborative nothing until the secretariat confirms it', async () => {
    const operator = key('hub-operator', 'operator');
    const created = await hub.request(operator, 'POST', '/v1/funders', {
      id: 'puppet-fund',
      name: 'Puppet fund',
      kind: 'pooled-fund',
      subFundOf: 'epim',
      admin: { id: 'puppet-admin', name: 'Puppet admin', email: 'puppet@example.org' },
    });
    expect(created.status).toBe(201);
    const puppet = created.body.adminKey.apiKey as string;
    const read = async () =>
      (await hub.request(puppet, 'GET', '/v1/grants/osf/osf-collaborative-epim')).status;
    const epim = async () => (await hub.request(puppet, 'GET', '/v1/collaboratives/epim')).body;
    expect((await hub.request(puppet, 'GET', '/v1/me')).body.collaboratives ?? []).not.toContain('epim');
    expect(await read()).toBe(404);
    expect((await epim()).subFunds).not.toContain('puppet-fund');
    const sharedWrite = await hub.request(
      puppet,
      'PUT',
      '/v1/grants/puppet-fund/pf-1',
      grantBody('pf-1', { visibility: 'collaborative:epim' }),
    );
    expect(sharedWrite.status).toBeGreaterThanOrEqual(400);
    expect(sharedWrite.status).toBeLessThan(500);
    const listed = await hub.request(puppet, 'GET', '/v1/grants?visibility=collaborative:epim&limit=100');
    expect(listed.body.items ?? []).toEqual([]);
    // The secretariat invites it and the fund accepts: now it is a sub-fund and a member.
    expect(
      (await hub.request(key('nef', 'admin'), 'PUT', '/v1/collaboratives/epim/members/puppet-fund')).status,
    ).toBe(202);
    expect(await read()).toBe(404);
    expect((await hub.request(puppet, 'POST', '/v1/invitations/epim/accept')).status).toBe(201);
    expect(await read()).toBe(200);
    expect((await epim()).subFunds).toContain('puppet-fund');
    // And the secretariat removes it like any member.
    expect(
      (await hub.request(key('nef', 'admin'), 'DELETE', '/v1/collaboratives/epim/members/puppet-fund'))
        .status,
    ).toBe(200);
    expect(await read()).toBe(404);
    expect((await epim()).subFunds).not.toContain('puppet-fund');
  });

  it('stops a revoked key on its very next request', async () => {
    const created = await hub.request(key('osf', 'viewer'), 'POST', '/v1/keys', { label: 'laptop' });
    expect(created.status).toBe(201);
    const fresh = created.body.apiKey;
    expect((await hub.request(fresh, 'GET', '/v1/me')).status).toBe(200);
    expect((await hub.request(fresh, 'DELETE', `/v1/keys/${created.body.keyId}`)).status).toBe(200);
    expect((await hub.request(fresh, 'GET', '/v1/me')).status).toBe(403);
  });
});
