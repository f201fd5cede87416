// The `cofund` bin as a user runs it: help, whoami, the key lifecycle, clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCofund } from '../support/cli.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, type World } from '../support/world.ts';

let hub: TestHub;
let world: World;

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
});
afterAll(async () => hub?.close());

const cofund = (args: string[], key?: string) => runCofund(hub.url, args, key);

describe('cofund', () => {
  it('explains its commands', async () => {
    const help = await cofund(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['whoami', 'import', 'export', 'duplicates', 'keys'])
      expect(help.stdout).toContain(command);
    const importHelp = await cofund(['import', '--help']);
    expect(importHelp.stdout).toContain('--visibility');
    expect(importHelp.stdout).toContain('--restart');
  });

  it('says who the key acts as', async () => {
    const out = await cofund(['whoami'], world.keys.osf?.editor);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('editor of osf (osf)');
    expect(out.stdout).toContain('collaboratives: epim');
  });

  it('creates, lists and revokes a key, after which the key is refused', async () => {
    const created = await cofund(
      ['keys', 'create', '--label', 'laptop', '--expires-in-days', '7'],
      world.keys.osf?.viewer,
    );
    expect(created.code).toBe(0);
    const newKey = created.stdout.trim().split('\n').pop() ?? '';
    expect(newKey).toMatch(/^cfd_[a-z0-9]{16}_/);
    const keyId = newKey.slice(4, 20);
    const listed = await cofund(['keys', 'list'], newKey);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).not.toContain(newKey);
    const revoked = await cofund(['keys', 'revoke', keyId], newKey);
    expect(revoked.code).toBe(0);
    const after = await cofund(['whoami'], newKey);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('API key was refused');
  });

  it('fails clearly without a key, with a bad option, or with an unknown file', async () => {
    const noKey = await cofund(['whoami']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('COFUND_API_KEY');
    const badTheme = await cofund(['import', 'x.json', '--theme', 'nonsense'], world.keys.osf?.editor);
    expect(badTheme.code).not.toBe(0);
    expect(badTheme.stderr).toContain('unknown theme "nonsense"');
    const missing = await cofund(['import', 'does-not-exist.json'], world.keys.osf?.editor);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does-not-exist.json');
  });
});
