// Digests on the demo data, end to end through the same handlers AWS runs: the change feed from the table
// stream, the fan-out, the queue consumer with retries and a dead-letter queue, and the outbox mailer.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDigestQueue, type LocalDigestQueue } from '../../local/digest-queue.ts';
import { createOutboxMailer } from '../../local/outbox-mailer.ts';
import { loadDemoFixture, seedDemo } from '../../local/seed.ts';
import type { DigestRecord } from '../../schemas/digest.ts';
import type { Mailer, OutgoingMail } from '../../shared/digests/mailer.ts';
import { periodOf } from '../../shared/digests/periods.ts';
import { useDigestTransport } from '../../shared/digests/transport.ts';
import { digestReferences, sendAuditsOf } from '../support/digest-world.ts';
import { issueKey, startTestHub, type TestHub } from '../support/hub.ts';
import { principal } from '../support/world-principal.ts';

let hub: TestHub;
let outboxDir: string;
const sent: OutgoingMail[] = [];
/** Members whose sends fail: `always`, or the number of failures still to come. */
const failing = new Map<string, number | 'always'>();
let queue: LocalDigestQueue;

const DEMO_MEMBERS = [
  'osf/osf-admin',
  'osf/osf-officer',
  'osf/osf-viewer',
  'macarthur/macarthur-admin',
  'macarthur/macarthur-officer',
  'nef/nef-admin',
  'epim-asylum/epim-asylum-officer',
  'epim-detention/epim-detention-officer',
  'ab-charitable-trust/abct-officer',
  'andrew-lloyd-webber-foundation/alwf-officer',
];

beforeAll(async () => {
  // Feed entries are written in-process here, so nothing needs time to settle.
  process.env.DIGEST_SETTLE_SECONDS = '0';
  hub = await startTestHub({ streams: true, server: true });
  outboxDir = mkdtempSync(join(tmpdir(), 'cofund-outbox-'));
  const outbox = createOutboxMailer({ dir: outboxDir, from: 'digests@cofund.test' });
  const mailer: Mailer = {
    async send(mail) {
      const who = mail.reference.split('--').slice(1).join('/');
      const failure = failing.get(who);
      if (failure === 'always' || (typeof failure === 'number' && failure > 0)) {
        if (typeof failure === 'number') failing.set(who, failure - 1);
        throw Object.assign(new Error('SES is unavailable'), { name: 'ServiceUnavailable' });
      }
      sent.push(mail);
      return outbox.send(mail);
    },
  };
  queue = createLocalDigestQueue({ maxAttempts: 3, retryDelayMs: 50 });
  useDigestTransport({ queue, mailer });
  // The demo without its two large real files (gaps-demo and npm start cover those): the same funders,
  // members, collaboratives and fixture grants of every visibility, in a fraction of the stream records.
  const fixture = loadDemoFixture();
  await seedDemo(hub.services, {
    fixture: { ...fixture, funders: fixture.funders.map(({ publicFile: _file, ...f }) => f) },
  });
  await hub.poller?.drain(240_000);
}, 300_000);

afterAll(async () => {
  useDigestTransport(undefined);
  await hub?.close();
  rmSync(outboxDir, { recursive: true, force: true });
});

const run = (at?: string) => hub.services.digests.startRun(null, at ? { at } : {});
const record = (who: string, period: string): Promise<DigestRecord | null> => {
  const [funderId = '', memberId = ''] = who.split('/');
  return hub.services.repos.digests.get(funderId, memberId, period);
};
const mailTo = (memberId: string) => sent.filter((m) => m.reference.endsWith(`--${memberId}`));

/** Every grant a member may list through the API, by the grant service's own rules. */
async function visibleGrantTitles(funderId: string, memberId: string, collaboratives: string[]) {
  const ctx = { principal: principal(funderId, memberId, 'viewer', collaboratives), requestId: 't' };
  const titles: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await hub.services.grants.list(ctx, { limit: 100, ...(cursor ? { cursor } : {}) });
    titles.push(...page.items.map((g) => g.grant.title));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return titles;
}

// Each test runs whole digest periods for every demo member (a gap snapshot per theme each): alone about 3-12 s,
// but minutes when the full suite loads both cores, so the time limit is the suite's, not the 60 s default.
describe('digests', { timeout: 240_000 }, () => {
  const period = periodOf('weekly', new Date());

  it('sends one message per member when the same period is triggered three times at once', async () => {
    const runs = await Promise.all([run(), run(), run()]);
    for (const r of runs) expect(r.queued).toBe(DEMO_MEMBERS.length);
    await queue.drain();
    expect(sent.map((m) => m.reference).sort()).toEqual(digestReferences(period, DEMO_MEMBERS));
    // The outbox holds exactly these messages, as MIME files and HTML.
    const files = readdirSync(outboxDir).sort();
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(DEMO_MEMBERS.length);
    expect(files.filter((f) => f.endsWith('.html'))).toHaveLength(DEMO_MEMBERS.length);
    const eml = readFileSync(join(outboxDir, `${period}--osf--osf-officer.eml`), 'utf8');
    expect(eml).toMatch(/^To: lucia\.ramirez@osf\.example$/m);
    expect(eml).toMatch(
      /^List-Unsubscribe:\s+<http:\/\/localhost:3000\/v1\/digests\/unsubscribe\?token=osf\.osf-officer\./m,
    );
    expect(eml).toContain('Content-Type: multipart/alternative');
    for (const who of DEMO_MEMBERS) {
      expect(await record(who, period)).toMatchObject({ status: 'sent', attempts: 1 });
    }
    // A fourth trigger, after the fact, sends nothing more.
    await run();
    await queue.drain();
    expect(sent).toHaveLength(DEMO_MEMBERS.length);
    // Each send is in its funder's audit log, once.
    expect(await sendAuditsOf(hub, DEMO_MEMBERS, period)).toEqual(digestReferences(period, DEMO_MEMBERS));
  });

  it("never tells a member about another funder's private grant, nor counts it", async () => {
    const everything = await hub.snapshot();
    const privateOf = (funderId: string) =>
      everything
        .filter((i) => i.entity === 'grant' && i.SK === 'CURRENT' && i.funderId !== funderId)
        .map((i) => i.record as { title: string; visibility: string } | null)
        .filter((r): r is { title: string; visibility: string } => r?.visibility === 'private')
        .map((r) => r.title);
    const cases = [
      { who: 'macarthur/macarthur-officer', collaboratives: [] },
      { who: 'nef/nef-admin', collaboratives: ['epim'] },
      { who: 'osf/osf-viewer', collaboratives: ['epim'] },
    ];
    for (const { who, collaboratives } of cases) {
      const [funderId = '', memberId = ''] = who.split('/');
      const visible = await visibleGrantTitles(funderId, memberId, collaboratives);
      const hidden = privateOf(funderId).filter((t) => !visible.includes(t));
      expect(hidden.length).toBeGreaterThan(0);
      const [mail] = mailTo(memberId);
      for (const title of hidden) {
        expect(mail?.text).not.toContain(title);
        expect(mail?.html).not.toContain(title);
      }
      // The count is exactly the grants the member may list: private grants of others are not in it.
      expect((await record(who, period))?.counts?.grants).toBe(visible.length);
      expect(mail?.text).toContain(`New and changed grants (${visible.length})`);
    }
  });

  it('tells MacArthur and OSF members that MacArthur is exiting and who depends on it', async () => {
    const [mail] = mailTo('osf-officer');
    expect(mail?.text).toContain('Funder exiting: John D. and Catherine T. MacArthur Foundation');
    expect(mail?.text).toMatch(
      /Global Coalition on Migration now gets 57% of its governance funding from John D\. and Catherine T\. MacArthur Foundation/i,
    );
  });

  it('sends nothing in a period with nothing new, and only the news in the next one', async () => {
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const later = periodOf('weekly', new Date(nextWeek));
    await run(nextWeek);
    await queue.drain();
    expect(sent).toHaveLength(DEMO_MEMBERS.length);
    expect(await record('osf/osf-officer', later)).toMatchObject({ status: 'empty', attempts: 1 });

    // OSF records a private grant and MacArthur a hub one; then the period after.
    const editor = (funderId: string, memberId: string) => ({
      principal: principal(funderId, memberId, 'editor', funderId === 'osf' ? ['epim'] : []),
      requestId: 't',
    });
    // Each funder's own grant, under its own org-id: the hub refuses a grant naming somebody else's money.
    const funding = {
      osf: { id: 'US-EIN-137029285', name: 'Open Society Foundations' },
      macarthur: { id: 'US-EIN-237093598', name: 'John D. and Catherine T. MacArthur Foundation' },
    };
    const grant = (id: string, title: string, visibility: string, funder: keyof typeof funding) => ({
      id,
      title,
      description: 'Digest test',
      currency: 'USD',
      amountAwarded: 75_000,
      awardDate: '2026-11-02',
      recipientOrganization: [{ id: `GB-CHC-${id.length}99`, name: 'Detention Action' }],
      fundingOrganization: [funding[funder]],
      themes: ['enforcement-detention'],
      regions: ['europe'],
      visibility,
    });
    await hub.services.grants.batchUpsert(editor('osf', 'osf-officer'), {
      grants: [grant('osf-digest-private', 'Secret strategy on detention', 'private', 'osf')],
    });
    await hub.services.grants.batchUpsert(editor('macarthur', 'macarthur-officer'), {
      grants: [grant('mac-digest-hub', 'Shared detention monitoring', 'hub', 'macarthur')],
    });
    await hub.poller?.drain(60_000);
    const weekAfter = new Date(Date.now() + 14 * 86_400_000).toISOString();
    await run(weekAfter);
    await queue.drain();
    const third = periodOf('weekly', new Date(weekAfter));
    const news = sent.filter((m) => m.reference.startsWith(`${third}--`));
    const osf = news.find((m) => m.reference.endsWith('--osf-officer'));
    expect(osf?.text).toContain('New and changed grants (2)');
    expect(osf?.text).toContain('Secret strategy on detention');
    expect(osf?.text).toContain('Shared detention monitoring');
    const nef = news.find((m) => m.reference.endsWith('--nef-admin'));
    expect(nef?.text).toContain('New and changed grants (1)');
    expect(nef?.text).not.toContain('Secret strategy');
    // Gap changes already told are not told again.
    expect(osf?.text).not.toContain('Funder exiting');
  });

  it('retries a failed send, and parks it in the dead-letter queue with a failed status readable through the API', async () => {
    const at = new Date(Date.now() + 21 * 86_400_000).toISOString();
    const period4 = periodOf('weekly', new Date(at));
    // New news for everyone, so every member has a digest to send.
    await hub.services.grants.batchUpsert(
      { principal: principal('nef', 'nef-admin', 'editor', ['epim']), requestId: 't' },
      {
        grants: [
          {
            id: 'nef-digest-public',
            title: 'Open data on reception conditions',
            description: 'Digest test',
            currency: 'EUR',
            amountAwarded: 40_000,
            awardDate: '2026-11-03',
            recipientOrganization: [{ id: 'GB-CHC-777', name: 'Refugee Council' }],
            fundingOrganization: [{ id: 'GB-CHC-1', name: 'NEF' }],
            themes: ['asylum-systems'],
            regions: ['europe'],
            visibility: 'public',
          },
        ],
      },
    );
    await hub.poller?.drain(60_000);
    failing.set('osf/osf-viewer', 1);
    failing.set('macarthur/macarthur-admin', 'always');
    const before = sent.length;
    await run(at);
    await queue.drain();
    expect(await record('osf/osf-viewer', period4)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(mailTo('osf-viewer').filter((m) => m.reference.startsWith(period4))).toHaveLength(1);
    expect(await record('macarthur/macarthur-admin', period4)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'ServiceUnavailable: SES is unavailable',
    });
    expect(queue.deadLetters).toEqual([
      { funderId: 'macarthur', memberId: 'macarthur-admin', period: period4 },
    ]);
    expect(sent.length - before).toBe(DEMO_MEMBERS.length - 1);
    const delivered = DEMO_MEMBERS.filter((w) => w !== 'macarthur/macarthur-admin');
    expect(await sendAuditsOf(hub, DEMO_MEMBERS, period4)).toEqual(digestReferences(period4, delivered));

    const key = await issueKey(hub.services, 'macarthur', 'macarthur-admin');
    const res = await hub.request(key, 'GET', '/v1/digests?limit=10');
    expect(res.status).toBe(200);
    const mine = res.body.items.find(
      (d: DigestRecord) => d.memberId === 'macarthur-admin' && d.period === period4,
    );
    expect(mine).toMatchObject({ status: 'failed', attempts: 3 });
    expect(mine).not.toHaveProperty('claimToken');
    // A viewer of another funder sees none of it.
    const other = await issueKey(hub.services, 'osf', 'osf-viewer');
    const theirs = await hub.request(other, 'GET', '/v1/digests?member=macarthur-admin');
    expect(theirs.status).toBe(403);
    const own = await hub.request(other, 'GET', '/v1/digests');
    expect(
      own.body.items.every((d: DigestRecord) => d.funderId === 'osf' && d.memberId === 'osf-viewer'),
    ).toBe(true);

    // Once SES is back, the next trigger of that period takes the failed digest up again and sends it once.
    failing.delete('macarthur/macarthur-admin');
    await run(at);
    await queue.drain();
    expect(await record('macarthur/macarthur-admin', period4)).toMatchObject({ status: 'sent', attempts: 4 });
    expect(mailTo('macarthur-admin').filter((m) => m.reference.startsWith(period4))).toHaveLength(1);
    expect(await sendAuditsOf(hub, DEMO_MEMBERS, period4)).toEqual(digestReferences(period4, DEMO_MEMBERS));
  });

  it('tells members of new asks in their themes, and askers of the pledges on their asks', async () => {
    const at = new Date(Date.now() + 28 * 86_400_000).toISOString();
    const period5 = periodOf('weekly', new Date(at));
    const ask = await hub.services.opportunities.create(
      { principal: principal('osf', 'osf-officer', 'editor', ['epim']), requestId: 't' },
      {
        title: 'Bridge funding for detention monitoring',
        recipient: { name: 'Detention Action' },
        themes: ['enforcement-detention'],
        regions: ['europe'],
        currency: 'EUR',
        budget: 200_000,
        deadline: '2027-03-31',
        visibility: 'hub',
      },
    );
    await hub.services.opportunities.create(
      { principal: principal('osf', 'osf-officer', 'editor', ['epim']), requestId: 't' },
      {
        title: 'An ask OSF keeps to itself',
        recipient: { name: 'Detention Action' },
        themes: ['enforcement-detention'],
        regions: ['europe'],
        currency: 'EUR',
        budget: 90_000,
        deadline: '2027-03-31',
        visibility: 'private',
      },
    );
    await hub.services.opportunities.pledge(
      { principal: principal('macarthur', 'macarthur-officer', 'editor', []), requestId: 't' },
      ask.id,
      { amount: 50_000, status: 'committed' },
    );
    // A member following only education hears of neither.
    await hub.services.digests.updatePreferences(
      { principal: principal('ab-charitable-trust', 'abct-officer', 'admin', []), requestId: 't' },
      { themes: ['education'] },
    );
    await run(at);
    await queue.drain();
    const news = (memberId: string) =>
      sent.find((m) => m.reference === `${period5}--${m.reference.split('--')[1]}--${memberId}`)?.text ?? '';
    expect(news('osf-officer')).toContain('Pledges on your asks (1)');
    expect(news('osf-officer')).toContain(
      '* John D. and Catherine T. MacArthur Foundation committed €50,000 on "Bridge funding for detention monitoring"',
    );
    // Its own ask is not news to OSF.
    expect(news('osf-officer')).not.toContain('New co-funding asks');
    // A pledge is between the asker and the pledger: MacArthur's digest counts its own €50,000, a third funder's
    // does not (what it sees of the ask does not move when another funder pledges).
    for (const [member, unmet] of [
      ['nef-admin', '€200,000'],
      ['macarthur-admin', '€150,000'],
      ['epim-detention-officer', '€200,000'],
    ] as const) {
      expect(news(member)).toContain('New co-funding asks (1)');
      expect(news(member)).toContain(
        `Bridge funding for detention monitoring for Detention Action (Open Society Foundations (International Migration Initiative)): ${unmet} unmet, deadline 2027-03-31`,
      );
      expect(news(member)).not.toContain('keeps to itself');
      expect(news(member)).not.toContain('Pledges on your asks');
    }
    expect(await record('ab-charitable-trust/abct-officer', period5)).toMatchObject({ status: 'empty' });
    expect(news('abct-officer')).toBe('');
  });

  it('unsubscribes with the signed link only, and then skips the member', async () => {
    const link = await hub.services.digests.unsubscribeLink('nef', 'nef-admin');
    const path = link.replace('http://localhost:3000', '');
    expect(path).toMatch(/^\/v1\/digests\/unsubscribe\?token=nef\.nef-admin\.\d+\.[\w-]{43}$/);
    // The link expires in 90 days; its expiry is signed (moved later, the signature fails), and once past it, even
    // a correctly signed link is refused.
    const expires = Number(path.split('.').at(-2));
    expect(expires * 1000 - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(expires * 1000 - Date.now()).toBeLessThan(91 * 86_400_000);
    const later = path.replace(`.${expires}.`, `.${expires + 86_400 * 365}.`);
    expect((await hub.request(null, 'POST', later)).status).toBe(400);
    const state = await hub.services.repos.digests.getState('nef', 'nef-admin');
    const past = Math.floor(Date.now() / 1000) - 60;
    const pastSignature = createHmac('sha256', Buffer.from(state?.linkSecret ?? '', 'hex'))
      .update(`unsubscribe:nef.nef-admin.${past}`)
      .digest('base64url');
    const expired = await hub.request(
      null,
      'POST',
      `/v1/digests/unsubscribe?token=nef.nef-admin.${past}.${pastSignature}`,
    );
    expect(expired.status).toBe(400);
    expect(expired.body.errors[0].message).toMatch(/has expired/);
    const forged = path.replace(/\.[A-Za-z0-9_-]{43}$/, `.${'A'.repeat(43)}`);
    const bad = await hub.request(null, 'POST', forged);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'query.token', message: 'is not a valid unsubscribe link' }]);
    // Someone else's token under this member's name does not work either.
    const osfLink = await hub.services.digests.unsubscribeLink('osf', 'osf-admin');
    const swapped = path.replace(/\.[A-Za-z0-9_-]{43}$/, `.${osfLink.split('.').at(-1)}`);
    expect((await hub.request(null, 'POST', swapped)).status).toBe(400);
    // The expiry spelled with a leading zero is not the link the hub wrote.
    const padded = path.replace(`.${expires}.`, `.0${expires}.`);
    expect((await hub.request(null, 'POST', padded)).status).toBe(400);
    // The page a link opens checks the link too: no button for a link that cannot work.
    for (const wrong of [later, forged, swapped, padded]) {
      const page = await hub.request(null, 'GET', wrong);
      expect(page.status).toBe(400);
      expect(page.body.errors[0].field).toBe('query.token');
    }
    // GET shows a button and changes nothing (mail scanners follow links).
    const shown = await hub.request(null, 'GET', path);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toContain('text/html');
    expect(shown.text).toContain('<form method="post"');
    expect((await hub.services.repos.members.get('nef', 'nef-admin'))?.digest?.frequency ?? 'weekly').toBe(
      'weekly',
    );

    const done = await hub.request(null, 'POST', path, 'List-Unsubscribe=One-Click', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(done.status).toBe(200);
    expect((await hub.services.repos.members.get('nef', 'nef-admin'))?.digest?.frequency).toBe('off');
    const out = await run(new Date(Date.now() + 35 * 86_400_000).toISOString());
    expect(out.queued).toBe(DEMO_MEMBERS.length - 1);
    await queue.drain();
  });

  it('takes a link clicked twice, but not an old link once the member has turned digests back on', async () => {
    const path = (await hub.services.digests.unsubscribeLink('macarthur', 'macarthur-officer')).replace(
      'http://localhost:3000',
      '',
    );
    const unsubscribes = async () =>
      (
        await hub.services.audit.list(principal('macarthur', 'macarthur-admin', 'admin'), { limit: 200 })
      ).items.filter((e) => e.action === 'digest.unsubscribe' && e.resource === 'member:macarthur-officer')
        .length;
    expect((await hub.request(null, 'POST', path)).status).toBe(200);
    expect((await hub.request(null, 'POST', path)).status).toBe(200);
    expect(await unsubscribes()).toBe(1); // the second click changed and recorded nothing
    // The member turns digests back on (a second later, so the old link is from before the change).
    await new Promise((r) => setTimeout(r, 1100));
    const key = await issueKey(hub.services, 'macarthur', 'macarthur-officer');
    const on = await hub.request(key, 'PATCH', '/v1/me/digest-preferences', { frequency: 'weekly' });
    expect(on.status).toBe(200);
    for (const method of ['GET', 'POST'] as const) {
      const old = await hub.request(null, method, path);
      expect(old.status).toBe(400);
      expect(old.body.errors[0]).toMatchObject({ field: 'query.token' });
      expect(old.body.errors[0].message).toMatch(/^was sent before the digest settings last changed/);
    }
    expect((await hub.services.repos.members.get('macarthur', 'macarthur-officer'))?.digest?.frequency).toBe(
      'weekly',
    );
    // The link in the next digest works.
    const fresh = (await hub.services.digests.unsubscribeLink('macarthur', 'macarthur-officer')).replace(
      'http://localhost:3000',
      '',
    );
    expect((await hub.request(null, 'POST', fresh)).status).toBe(200);
    expect((await hub.services.repos.members.get('macarthur', 'macarthur-officer'))?.digest?.frequency).toBe(
      'off',
    );
    expect(await unsubscribes()).toBe(2);
    await hub.request(key, 'PATCH', '/v1/me/digest-preferences', { frequency: 'weekly' });
  });

  it('keeps preferences per member, rejects bad ones by field, and narrows the preview by them', async () => {
    const key = await issueKey(hub.services, 'osf', 'osf-officer');
    const bad = await hub.request(key, 'PATCH', '/v1/me/digest-preferences', {
      frequency: 'hourly',
      themes: ['x'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.frequency',
      'body.themes.0',
    ]);
    expect((await hub.request(key, 'GET', '/v1/me/digest-preferences')).body).toEqual({
      frequency: 'weekly',
      themes: [],
      regions: [],
    });
    const ok = await hub.request(key, 'PATCH', '/v1/me/digest-preferences', {
      frequency: 'daily',
      themes: ['asylum-systems'],
    });
    expect(ok.body).toEqual({ frequency: 'daily', themes: ['asylum-systems'], regions: [] });
    const preview = await hub.request(key, 'GET', '/v1/digests/preview');
    expect(preview.status).toBe(200);
    for (const g of preview.body.content.grants.items) expect(g.themes).toContain('asylum-systems');
    expect(preview.body.text).toContain(
      'You get this daily digest for themes asylum-systems in all regions.',
    );
    // Another member of the same funder keeps their own.
    const viewer = await issueKey(hub.services, 'osf', 'osf-viewer');
    expect((await hub.request(viewer, 'GET', '/v1/me/digest-preferences')).body.frequency).toBe('weekly');
  });
});
