// Organisation resolution end to end: grants written over HTTP, resolved from the table stream by the local
// poller (the same handler Lambda runs), reviewed through the duplicates API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeDynamoCalls } from '../../shared/db/observe.ts';
import { runCofund } from '../support/cli.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, grantBody, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;

beforeAll(async () => {
  hub = await startTestHub({ server: true, streams: true });
  world = await buildWorld(hub.services);
});
afterAll(async () => hub?.close());

const key = (funder: string, role = 'editor') => {
  const k = world.keys[funder]?.[role];
  if (!k) throw new Error(`no ${role} key for ${funder}`);
  return k;
};

const written: Array<[string, string]> = [];
async function put(
  funder: string,
  id: string,
  org: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  const res = await hub.request(
    key(funder),
    'PUT',
    `/v1/grants/${funder}/${id}`,
    grantBody(id, { recipientOrganization: [org], visibility: 'hub', ...extra }),
  );
  expect(res.status, res.text).toBeLessThan(300);
  written.push([funder, id]);
}

async function orgOf(funder: string, id: string, as = funder): Promise<string> {
  const res = await hub.request(key(as, 'viewer'), 'GET', `/v1/grants/${funder}/${id}/organisations`);
  expect(res.status, res.text).toBe(200);
  return res.body.items[0].orgId;
}

async function queue(funder: string) {
  const res = await hub.request(key(funder, 'viewer'), 'GET', '/v1/duplicates?limit=100');
  expect(res.status, res.text).toBe(200);
  return res.body.items as Array<{
    pairId: string;
    a: { mentionId: string };
    b: { mentionId: string };
    moneyAffected: number;
  }>;
}

const pairOf = (items: Awaited<ReturnType<typeof queue>>, grantId: string) =>
  items.find((p) => p.a.mentionId.includes(`#${grantId}#`) || p.b.mentionId.includes(`#${grantId}#`));

/** A later automatic run over everything written so far, re-scoring every link the resolver made itself. */
async function rerunResolution() {
  for (const [funder, id] of written) {
    const stored = await hub.services.repos.grants.getCurrent(funder, id);
    if (stored) await hub.services.resolver.resolveGrant(stored, { force: true });
  }
}

describe('de-duplication through the API', () => {
  it('links the same charity reported by two funders and shows it on one organisation page', async () => {
    await put('osf', 'ra-1', { id: 'GB-CHC-283660', name: 'Refugee Action' });
    await put('macarthur', 'ra-1', {
      id: '360G-mac-77',
      name: 'REFUGEE ACTION LTD',
      charityNumber: '283660',
    });
    await hub.poller?.drain();
    const org = await orgOf('osf', 'ra-1');
    expect(await orgOf('macarthur', 'ra-1')).toBe(org);
    const page = await hub.request(key('nef', 'viewer'), 'GET', `/v1/organisations/${org}`);
    expect(page.status).toBe(200);
    expect(page.body.funders.map((f: { funderId: string }) => f.funderId)).toEqual(['macarthur', 'osf']);
    expect(page.body.identifiers).toContain('GB-CHC-283660');
    const linked = page.body.mentions.find((m: { funderId: string }) => m.funderId === 'macarthur');
    expect(linked.linkedThrough).toMatchObject({
      method: 'auto',
      decidedBy: 'resolver',
      withMentionId: 'osf#ra-1#0',
    });
    expect(linked.linkedThrough.evidence.length).toBeGreaterThan(0);
  });

  it('queues a doubtful pair for both funders with its evidence, and a confirmation survives a re-run', async () => {
    await put(
      'osf',
      'px-1',
      { id: 'GB-COH-04318732', name: 'Praxis Community Projects' },
      { amountAwarded: 900000 },
    );
    await put('macarthur', 'px-1', {
      id: '360G-mac-px',
      name: 'Northfield Lettings',
      companyNumber: '4318732',
    });
    await hub.poller?.drain();
    const mine = pairOf(await queue('macarthur'), 'px-1');
    const theirs = pairOf(await queue('osf'), 'px-1');
    expect(mine?.pairId).toBeDefined();
    expect(theirs?.pairId).toBe(mine?.pairId);
    const detail = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/duplicates/${mine?.pairId}`);
    expect(detail.body.evidence).toContainEqual({
      feature: 'registeredId',
      outcome: 'shared',
      weight: expect.any(Number),
    });
    // A funder with no side in the pair does not see it.
    expect((await hub.request(key('nef', 'viewer'), 'GET', `/v1/duplicates/${mine?.pairId}`)).status).toBe(
      404,
    );
    expect(pairOf(await queue('nef'), 'px-1')).toBeUndefined();

    // Viewers may not decide; a bad decision names the field and changes nothing.
    const viewer = await hub.request(
      key('macarthur', 'viewer'),
      'POST',
      `/v1/duplicates/${mine?.pairId}/decision`,
      {
        decision: 'confirm',
      },
    );
    expect(viewer.status).toBe(403);
    const bad = await hub.request(key('macarthur'), 'POST', `/v1/duplicates/${mine?.pairId}/decision`, {
      decision: 'merge',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ field: 'decision' }));

    const decided = await hub.request(key('macarthur'), 'POST', `/v1/duplicates/${mine?.pairId}/decision`, {
      decision: 'confirm',
      note: 'Same company number; Praxis renamed in 2019.',
    });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body).toMatchObject({ status: 'confirmed', decidedBy: { funderId: 'macarthur' } });
    expect(decided.body.a.orgId).toBe(decided.body.b.orgId);
    const again = await hub.request(key('osf'), 'POST', `/v1/duplicates/${mine?.pairId}/decision`, {
      decision: 'reject',
    });
    expect(again.status).toBe(409);

    await rerunResolution();
    expect(await orgOf('macarthur', 'px-1')).toBe(await orgOf('osf', 'px-1'));
    expect(pairOf(await queue('osf'), 'px-1')).toBeUndefined();
    const audit = await hub.request(key('macarthur', 'admin'), 'GET', '/v1/audit?limit=100');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('duplicate.decide');
  });

  it('keeps a rejected pair apart through a re-run and never queues it again', async () => {
    await put('osf', 'hc-1', { id: 'GB-COH-05112233', name: 'Housing Collective' });
    await put('nef', 'hc-1', {
      id: '360G-nef-hc',
      name: 'Osprey Lettings',
      companyNumber: '5112233',
    });
    await hub.poller?.drain();
    const pair = pairOf(await queue('nef'), 'hc-1');
    expect(pair).toBeDefined();
    const rejected = await hub.request(key('nef'), 'POST', `/v1/duplicates/${pair?.pairId}/decision`, {
      decision: 'reject',
    });
    expect(rejected.status, rejected.text).toBe(200);
    await rerunResolution();
    expect(await orgOf('nef', 'hc-1')).not.toBe(await orgOf('osf', 'hc-1'));
    expect(pairOf(await queue('nef'), 'hc-1')).toBeUndefined();
    const kept = await hub.request(key('nef', 'viewer'), 'GET', `/v1/duplicates/${pair?.pairId}`);
    expect(kept.body.status).toBe('rejected');
  });

  it('never shows another funder’s private record in a candidate list, organisation page or count', async () => {
    // OSF's private grant and MacArthur's shared one are the same charity: resolution links them inside the
    // backend, but MacArthur must not learn that OSF funds it.
    await put(
      'osf',
      'aw-1',
      { id: 'GB-CHC-1108770', name: 'Asylum Welcome' },
      { visibility: 'private', amountAwarded: 5e6 },
    );
    await put('macarthur', 'aw-1', { id: '360G-mac-aw', name: 'Asylum Welcome', charityNumber: '1108770' });
    // And a doubtful pair whose other side is private to OSF.
    await put('osf', 'mo-1', { id: 'GB-COH-07112244', name: 'Migrants Organise' }, { visibility: 'private' });
    await put('macarthur', 'mo-1', {
      id: '360G-mac-mo',
      name: 'Wren Street Lettings',
      companyNumber: '7112244',
    });
    await hub.poller?.drain();

    const org = await orgOf('macarthur', 'aw-1');
    const stored = await hub.services.repos.resolution.getMentions(['osf#aw-1#0', 'macarthur#aw-1#0']);
    expect(stored.get('osf#aw-1#0')?.orgId).toBe(stored.get('macarthur#aw-1#0')?.orgId); // linked in the backend
    // Each sees the organisation under the id of its own oldest record there, never OSF's hidden one.
    expect(await orgOf('osf', 'aw-1')).not.toBe(org);
    const page = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/organisations/${org}`);
    expect(page.body.funders).toEqual([
      { funderId: 'macarthur', grants: 1, amounts: [{ currency: 'USD', amount: 100000 }] },
    ]);
    expect(JSON.stringify(page.body)).not.toContain('osf');
    expect(
      (await hub.request(key('macarthur', 'viewer'), 'GET', '/v1/grants/osf/aw-1/organisations')).status,
    ).toBe(404);

    const macQueue = await queue('macarthur');
    expect(JSON.stringify(macQueue)).not.toContain('osf#mo-1');
    expect(JSON.stringify(macQueue)).not.toContain('osf#aw-1');
    const osfPair = pairOf(await queue('osf'), 'mo-1');
    expect(osfPair).toBeDefined(); // OSF may see both sides
    expect(
      (await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/duplicates/${osfPair?.pairId}`)).status,
    ).toBe(404);
    expect(
      (
        await hub.request(key('macarthur'), 'POST', `/v1/duplicates/${osfPair?.pairId}/decision`, {
          decision: 'confirm',
        })
      ).status,
    ).toBe(404);

    // A third funder sees the organisation only through MacArthur's shared record, never OSF's private one.
    const nefView = await hub.request(key('nef', 'viewer'), 'GET', `/v1/organisations/${org}`);
    expect(nefView.body.mentions.map((m: { funderId: string }) => m.funderId)).toEqual(['macarthur']);
  });

  it('hides a queued pair as soon as its other side turns private', async () => {
    await put('osf', 'vc-1', { id: 'GB-COH-09112255', name: 'Detention Forum' });
    await put('macarthur', 'vc-1', {
      id: '360G-mac-vc',
      name: 'Heron Lane Lettings',
      companyNumber: '9112255',
    });
    await hub.poller?.drain();
    expect(pairOf(await queue('macarthur'), 'vc-1')).toBeDefined();
    const pairId = pairOf(await queue('macarthur'), 'vc-1')?.pairId ?? '';
    await put('osf', 'vc-1', { id: 'GB-COH-09112255', name: 'Detention Forum' }, { visibility: 'private' });
    await hub.poller?.drain();
    expect(pairOf(await queue('macarthur'), 'vc-1')).toBeUndefined();
    // A pair id is a hash of its two record ids, so anyone can compute one: the hidden pair answers as a pair that
    // does not exist, with the same table calls (a faster "missing" would say OSF holds the record).
    const callsOf = async (id: string) => {
      const calls: string[] = [];
      const stop = observeDynamoCalls((c) => {
        if (c.fn === 'getDuplicate' && c.family !== 'AUDIT') calls.push(`${c.action} ${c.family}`);
      });
      const res = await hub.request(key('macarthur', 'viewer'), 'GET', `/v1/duplicates/${id}`);
      stop();
      return { status: res.status, detail: res.body.detail.replace(id, '<id>'), calls: calls.sort() };
    };
    const hidden = await callsOf(pairId);
    expect(hidden.calls.length).toBeGreaterThan(1);
    expect(await callsOf('0123456789abcdef01234567')).toEqual(hidden);
  });

  it('orders the queue by money affected, largest first', async () => {
    const items = await queue('osf');
    const money = items.map((p) => p.moneyAffected);
    expect(money.length).toBeGreaterThan(1);
    expect(money).toEqual([...money].sort((x, y) => y - x));
  });

  it('works from the CLI: list, show the evidence, decide', async () => {
    await put('osf', 'cli-1', { id: 'GB-COH-03112266', name: 'Kent Refugee Help' }, { amountAwarded: 7e6 });
    await put('macarthur', 'cli-1', {
      id: '360G-mac-krh',
      name: 'Medway Lettings',
      companyNumber: '3112266',
    });
    await hub.poller?.drain();
    const listed = await runCofund(hub.url, ['duplicates'], key('osf', 'viewer'));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('most money affected first');
    const pair = pairOf(await queue('osf'), 'cli-1');
    expect(listed.stdout.split('\n')[1]).toContain(pair?.pairId); // the largest amount comes first
    const shown = await runCofund(hub.url, ['duplicates', 'show', pair?.pairId ?? ''], key('osf', 'viewer'));
    expect(shown.stdout).toMatch(/registeredId\s+shared\s+\+\d/);
    const refused = await runCofund(
      hub.url,
      ['duplicates', 'confirm', pair?.pairId ?? ''],
      key('osf', 'viewer'),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('editor');
    const confirmed = await runCofund(
      hub.url,
      ['duplicates', 'confirm', pair?.pairId ?? '', '--note', 'same company'],
      key('osf'),
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toContain('confirmed by osf/osf-editor');
  });
});
