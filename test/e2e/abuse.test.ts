// Failed authentications are rate limited per source address and per key id, and audited with a TTL: a flood of
// bad keys neither grows the audit log without bound nor costs a key lookup each; valid keys pay nothing until
// their source or key id is over the limit.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;

beforeAll(async () => {
  hub = await startTestHub({ server: true, authFailureLimits: { perSource: '6', perKeyId: '3' } });
  world = await buildWorld(hub.services);
  // The counters are per minute: start with most of a minute left, so the whole test falls in one window.
  const left = 60 - new Date().getUTCSeconds();
  if (left < 40) await new Promise((r) => setTimeout(r, left * 1000 + 500));
}, 120_000);
afterAll(async () => hub?.close());

const me = (key: string) => hub.request(key, 'GET', '/v1/me');

async function denials() {
  const out = await hub.services.client.send(new ScanCommand({ TableName: hub.names.TABLE_NAME }));
  return (out.Items ?? [])
    .map((i) => unmarshall(i))
    .filter((i) => i.entity === 'audit' && i.action === 'authenticate');
}

describe('failed authentications', () => {
  it('are refused past the limit per key id and per source, audited once as rate limited, kept 90 days', async () => {
    const viewer = world.keys.osf?.viewer ?? '';
    const forged = viewer.replace(/.{6}$/, 'XXXXXX');
    expect(forged).not.toBe(viewer);
    for (let i = 0; i < 3; i += 1) expect((await me(forged)).status).toBe(403);
    expect(await denials()).toHaveLength(3);
    // In the key owner's own log: someone tried its key id with a wrong secret.
    expect(
      (await denials()).filter((d) => d.funderId === 'osf' && d.reason === 'wrong secret for this key id'),
    ).toHaveLength(3);
    // The 4th failure for this key id is over its limit: audited once, as rate limited.
    expect((await me(forged)).status).toBe(403);
    const afterFourth = await denials();
    expect(afterFourth).toHaveLength(4);
    expect(afterFourth.filter((d) => /rate limited/.test(d.reason))).toHaveLength(1);
    // A later failure this minute is refused without another event (and counted against its source). The real
    // key of that key id still works: a key id is not secret, so a limit on it must not lock its member out.
    expect((await me(forged)).status).toBe(403);
    expect((await me(viewer)).status).toBe(200);
    expect(await denials()).toHaveLength(4);
    // Another key from the same source still works: the source has 5 failures counted, under its 6.
    expect((await me(world.keys.osf?.editor ?? '')).status).toBe(200);
    // Garbage keys from the source, until the source is over its limit: then even a good key is refused.
    for (let i = 0; i < 3; i += 1) expect((await me(`cfd_garbage_${i}`)).status).toBe(403);
    expect((await me(world.keys.osf?.editor ?? '')).status).toBe(403);
    const all = await denials();
    expect(all.length).toBeLessThanOrEqual(7);
    // Every such event carries the table's TTL, about 90 days ahead.
    for (const d of all) {
      expect(d.ttl * 1000 - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(d.ttl * 1000 - Date.now()).toBeLessThan(91 * 86_400_000);
    }
  });
});

describe('refused unsubscribe links', () => {
  it('count against their source like bad keys: audited (in the named member’s log), then 429 past the limit', async () => {
    // A new one-minute window, so this source starts with no failures counted.
    await new Promise((r) => setTimeout(r, (60 - new Date().getUTCSeconds()) * 1000 + 500));
    const link = await hub.services.digests.unsubscribeLink('osf', 'osf-viewer');
    const path = link.replace(/^https?:\/\/[^/]+/, '');
    const forged = path.replace(/\.[A-Za-z0-9_-]{43}$/, `.${'A'.repeat(43)}`);
    const before = (await denials()).length;
    const linkDenials = async () => (await denials()).filter((d) => d.resource === 'digest unsubscribe link');
    for (let i = 0; i < 3; i += 1) expect((await hub.request(null, 'POST', forged)).status).toBe(400);
    // One for a member that does not exist: the anonymous log.
    const nobody = forged.replace('osf.osf-viewer.', 'osf.nobody.');
    expect((await hub.request(null, 'GET', nobody)).status).toBe(400);
    let events = await linkDenials();
    expect(
      events.filter(
        (d) =>
          d.funderId === 'osf' &&
          d.actorMemberId === 'osf-viewer' &&
          d.reason === 'unsubscribe link with a wrong signature for this member',
      ),
    ).toHaveLength(3);
    expect(
      events.filter(
        (d) => d.funderId === 'unauthenticated' && d.reason === 'unsubscribe link for no such member',
      ),
    ).toHaveLength(1);
    // Two more bad keys from the same source bring it to its limit of 6; the next refusal is over it.
    for (let i = 0; i < 2; i += 1) expect((await me(`cfd_garbage_link_${i}`)).status).toBe(403);
    const over = await hub.request(null, 'POST', forged);
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    events = await linkDenials();
    expect(events.filter((d) => /rate limited/.test(d.reason))).toHaveLength(1);
    // Later this minute: refused without a lookup or another event, a good link included, and the source's good
    // keys too (one counter per source).
    expect((await hub.request(null, 'POST', forged)).status).toBe(429);
    expect((await hub.request(null, 'POST', path)).status).toBe(429);
    expect((await me(world.keys.osf?.editor ?? '')).status).toBe(403);
    expect((await linkDenials()).length).toBe(events.length);
    expect((await denials()).length).toBeGreaterThan(before);
    expect((await hub.services.repos.members.get('osf', 'osf-viewer'))?.digest?.frequency ?? 'weekly').toBe(
      'weekly',
    );
    for (const d of await linkDenials()) expect(d.ttl * 1000 - Date.now()).toBeGreaterThan(89 * 86_400_000);
  }, 120_000);
});
