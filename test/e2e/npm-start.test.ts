// `npm start` as a user runs it: DynamoDB Local, demo data, printed keys, a working API, a clean stop.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-local.ts';
import { defineConsoleTests } from './console-scenarios.ts';

const children: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'cofund-start-'));
afterAll(() => {
  // A failed test leaves `npm start` running: kill its whole process group, so DynamoDB Local (its child, which
  // a killed parent cannot stop) goes too.
  for (const child of children) {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  keys: Map<string, string>;
}

async function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the cleanup above reaches DynamoDB Local as well.
    detached: true,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const deadline = Date.now() + 110_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const keys = new Map<string, string>();
  for (const match of output.matchAll(/^\s+(\S+)\s+(\S+)\s+(viewer|editor|admin|operator)\s+(cfd_\S+)$/gm)) {
    keys.set(String(match[2]), String(match[4]));
  }
  return { child, output: () => output, keys };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((done) => started.child.once('exit', (code) => done(code)));
  started.child.kill('SIGINT');
  return exited;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** The first digest run follows the demo's stream processing: one message per demo member in the outbox. */
async function expectDigestsInOutbox(started: Started, dir: string) {
  // The demo's stream records (about 20,000) are read one shard at a time before the first run.
  const deadline = Date.now() + 480_000;
  while (!/Digest run \(/.test(started.output())) {
    if (Date.now() > deadline) throw new Error(`no digest run:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(started.output()).toMatch(/Digest run \(W\d{4}-\d{2}\): 10 members, 10 handled; messages in /);
  const outbox = join(dir, 'outbox');
  const emails = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
  expect(emails.map((f) => f.replace(/^W\d{4}-\d{2}--/, '').replace(/\.eml$/, '')).sort()).toEqual([
    'ab-charitable-trust--abct-officer',
    'andrew-lloyd-webber-foundation--alwf-officer',
    'epim-asylum--epim-asylum-officer',
    'epim-detention--epim-detention-officer',
    'macarthur--macarthur-admin',
    'macarthur--macarthur-officer',
    'nef--nef-admin',
    'osf--osf-admin',
    'osf--osf-officer',
    'osf--osf-viewer',
  ]);
  expect(readdirSync(outbox).filter((f) => f.endsWith('.html'))).toHaveLength(10);
  const officer = emails.find((f) => f.includes('--osf--osf-officer')) ?? '';
  expect(readFileSync(join(outbox, officer), 'utf8')).toMatch(/^To: lucia\.ramirez@osf\.example$/m);
  // The HTML beside it, unencoded: the demo's news for OSF, MacArthur's exit among it.
  const html = readFileSync(join(outbox, officer.replace(/\.eml$/, '.html')), 'utf8');
  expect(html).toContain('New and changed grants');
  expect(html).toContain('<li>Funder exiting: John D. and Catherine T. MacArthur Foundation</li>');
  // ABCT's officer reviews the demo's doubtful pairs: the digest says they are waiting.
  const abct = emails.find((f) => f.includes('--abct-officer')) ?? '';
  expect(readFileSync(join(outbox, abct.replace(/\.eml$/, '.html')), 'utf8')).toMatch(
    /New possible duplicates for your review \(\d+\)/,
  );
}

// One `npm start` serves every test below in order: the API, the first digest run, the web console in a browser,
// then a restart on the same data.
describe.sequential('npm start', () => {
  let port: number;
  let first: Started;
  beforeAll(async () => {
    port = await freePort();
    first = await start(['--port', String(port), '--data-dir', dataDir]);
  }, 120_000);

  it('serves the seeded demo hub and the web console with the printed keys', async () => {
    expect(first.output()).toContain('Seeding demo data');
    expect(first.output()).toContain(`Web console: http://localhost:${port}/`);
    expect(first.output()).toMatch(/web console: [\d.]+ KiB gzipped to first load/);
    const officer = first.keys.get('osf-officer');
    expect(officer).toMatch(/^cfd_/);
    const res = await fetch(`http://localhost:${port}/v1/grants?funder=osf&limit=5`, {
      headers: { authorization: `Bearer ${officer}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ funderId: string }> };
    expect(body.items).toHaveLength(5);
    expect(body.items[0]?.funderId).toBe('osf');
  });

  it('writes a digest per demo member after one scheduled run', async () => {
    await expectDigestsInOutbox(first, dataDir);
  }, 600_000);

  // After the first digest run, so the stream has been worked through: the heat map, the duplicates and the
  // organisation pages are complete.
  defineConsoleTests(() => ({ url: `http://localhost:${port}`, keys: first.keys }));

  it('keeps data between runs and stops everything', async () => {
    const dynamoPort = Number(/DynamoDB Local on http:\/\/127\.0\.0\.1:(\d+)/.exec(first.output())?.[1]);
    expect(await portOpen(dynamoPort)).toBe(true);
    expect(await stop(first)).toBe(0);
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(dynamoPort)).toBe(false);

    const second = await start(['--port', String(port), '--data-dir', dataDir]);
    expect(second.output()).not.toContain('Seeding demo data');
    const again = await fetch(`http://localhost:${port}/v1/grants/count?funder=osf`, {
      headers: { authorization: `Bearer ${second.keys.get('osf-officer')}` },
    });
    expect(await again.json()).toEqual({ count: 42 });
    // The period's digests went out in the first run; a restart sends none again.
    expect(second.output()).not.toMatch(/Digest run .*[1-9]\d* handled/);
    // Kept data is checked against this version's rollup rules once the stream is quiet; the operator's
    // command, run beside the hub, finds every mention current too.
    for (let waited = 0; !/gap cells (current|rebuilt)/.test(second.output()); waited += 500) {
      if (waited > 120_000) throw new Error(`no gap cell check after restart:\n${second.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(second.output()).toMatch(
      /gap cells current under this version's rules \((\d{2,}) mentions checked\)/,
    );
    const secondDynamo = /DynamoDB Local on (http:\/\/127\.0\.0\.1:\d+)/.exec(second.output())?.[1] ?? '';
    const rebuilt = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'infra/rebuild-gaps.ts', '--endpoint', secondDynamo],
      { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    expect(rebuilt.stderr).toBe('');
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stdout).toMatch(
      /\d+ mentions: 0 refreshed, \d+ already current, 0 left to the stream .*, 0 failed/,
    );
    const refused = spawnSync(process.execPath, ['--import', 'tsx', 'infra/rebuild-gaps.ts'], {
      encoding: 'utf8',
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('give --endpoint (DynamoDB Local) or --table (AWS)');
    expect(await stop(second)).toBe(0);
  }, 300_000);
});
