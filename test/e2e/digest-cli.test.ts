// `cofund digest` as a user runs it, against the local gateway with the same queue and delivery handlers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDigestQueue } from '../../local/digest-queue.ts';
import type { OutgoingMail } from '../../shared/digests/mailer.ts';
import { useDigestTransport } from '../../shared/digests/transport.ts';
import { runCofund } from '../support/cli.ts';
import { startDigestWorld } from '../support/digest-world.ts';
import type { TestHub } from '../support/hub.ts';
import type { World } from '../support/world.ts';

let hub: TestHub;
let world: World;
let queue: LocalDigestQueue;
let sent: OutgoingMail[];

beforeAll(async () => {
  ({ hub, world, queue, sent } = await startDigestWorld({
    maxAttempts: 3,
    retryDelayMs: 50,
    grant: { id: 'cli-digest-1', title: 'Hub grant for digests' },
  }));
});
afterAll(async () => {
  useDigestTransport(undefined);
  await hub?.close();
});

describe('cofund digest', () => {
  it('runs the schedule now for an admin’s members, and shows each delivery', async () => {
    const run = await runCofund(hub.url, ['digest', '--now'], world.keys.osf?.admin);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Queued 3 member digest\(s\) for .* \(W\d{4}-\d{2}: 3\)\./m);
    await queue.drain();
    expect(sent.map((m) => m.to).sort()).toEqual(
      ['osf-admin', 'osf-editor', 'osf-viewer'].map((m) => expect.stringContaining(m)),
    );
    expect(sent[0]?.text).toContain('Hub grant for digests');

    const status = await runCofund(hub.url, ['digest', 'status'], world.keys.osf?.admin);
    expect(status.code).toBe(0);
    for (const member of ['osf-admin', 'osf-editor', 'osf-viewer'])
      expect(status.stdout).toMatch(new RegExp(`osf/${member}\\s+sent\\s+attempts 1`));
    // Only OSF's deliveries: MacArthur's members were not run and are not listed.
    expect(status.stdout).not.toContain('macarthur');
  });

  it('refuses a run to a viewer, naming the role, and queues nothing', async () => {
    const before = sent.length;
    const run = await runCofund(hub.url, ['digest', '--now'], world.keys.osf?.viewer);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('This action needs the admin role; your key has viewer.');
    await queue.drain();
    expect(sent.length).toBe(before);
  });

  it('shows and changes preferences, and previews the next digest', async () => {
    const shown = await runCofund(hub.url, ['digest', 'preferences'], world.keys.nef?.editor);
    expect(shown.stdout).toBe('frequency: weekly\nthemes:    all\nregions:   all\n');
    const changed = await runCofund(
      hub.url,
      ['digest', 'preferences', '--frequency', 'daily', '--theme', 'governance', '--region', 'europe'],
      world.keys.nef?.editor,
    );
    expect(changed.stdout).toBe('frequency: daily\nthemes:    governance\nregions:   europe\n');
    const bad = await runCofund(
      hub.url,
      ['digest', 'preferences', '--theme', 'gardening'],
      world.keys.nef?.editor,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown theme "gardening"');
    const preview = await runCofund(hub.url, ['digest', 'preview'], world.keys.nef?.editor);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/^Hello .*|^Nothing new/);
  });
});
