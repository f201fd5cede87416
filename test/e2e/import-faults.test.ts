// A whole import through the local gateway while DynamoDB misbehaves (faults injected with aws-sdk-client-mock
// in front of the real DynamoDB Local): throttled transactions, unprocessed batch keys, timeouts. The end
// state must equal a clean import's: nothing lost, nothing doubled, one version per grant.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../cli/api-client.ts';
import { runImport } from '../../cli/commands/import.ts';
import { getConfig } from '../../shared/config.ts';
import { createDocumentClient } from '../../shared/db/client.ts';
import { createServices, resetServicesForTests } from '../../shared/services.ts';
import { seededRandom } from '../../tools/seeded-random.ts';
import { runCofund } from '../support/cli.ts';
import { withServices } from '../support/handlers.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { buildWorld, type World } from '../support/world.ts';

const FILE = resolve('local/demo/360giving/andrew-lloyd-webber-foundation.json');
let hub: TestHub;
let world: World;

beforeAll(async () => {
  hub = await startTestHub({ server: true });
  world = await buildWorld(hub.services);
});
afterAll(async () => {
  resetServicesForTests();
  await hub?.close();
});

/** Services whose document client forwards to DynamoDB Local, except when the dice say otherwise. */
function faultyServices(counts: Record<string, number>) {
  const real = createDocumentClient(hub.services.client);
  const faulty = createDocumentClient(hub.services.client);
  const mock = mockClient(faulty);
  // One random stream per kind of fault, and the first call of each kind always faults: which command runs
  // first varies with timing, so a shared stream could leave a kind of fault untried in a run.
  const dice = (seed: number, rate: number) => {
    const random = seededRandom(seed);
    let first = true;
    return () => {
      const fault = first || random() < rate;
      first = false;
      return fault;
    };
  };
  const throttleNow = dice(7, 0.25);
  const unprocessedNow = dice(8, 0.4);
  const timeoutNow = dice(9, 0.05);
  const count = (what: string) => {
    counts[what] = (counts[what] ?? 0) + 1;
  };
  const throttle = () =>
    Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
  const timeout = () =>
    Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' });

  mock.on(TransactWriteCommand).callsFake(async (input) => {
    if (throttleNow()) {
      count('throttled transaction');
      throw throttle();
    }
    return real.send(new TransactWriteCommand(input));
  });
  mock.on(BatchGetCommand).callsFake(async (input) => {
    const [table, request] = Object.entries(input.RequestItems)[0] as [
      string,
      { Keys: Array<Record<string, unknown>> },
    ];
    if (request.Keys.length > 1 && unprocessedNow()) {
      count('unprocessed keys');
      const half = Math.ceil(request.Keys.length / 2);
      const out = await real.send(
        new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: request.Keys.slice(0, half) } } }),
      );
      return { ...out, UnprocessedKeys: { [table]: { ...request, Keys: request.Keys.slice(half) } } };
    }
    return real.send(new BatchGetCommand(input));
  });
  mock.on(GetCommand).callsFake(async (input) => {
    if (timeoutNow()) {
      count('timed-out read');
      throw timeout();
    }
    return real.send(new GetCommand(input));
  });
  mock.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
  mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
  mock.on(UpdateCommand).callsFake((input) => real.send(new UpdateCommand(input)));
  mock.on(DeleteCommand).callsFake((input) => real.send(new DeleteCommand(input)));
  return createServices(getConfig(), hub.services.client, faulty);
}

function grantsOf(items: Array<Record<string, unknown>>, funderId: string) {
  return items
    .filter((i) => String(i.PK).startsWith(`GRANT#${funderId}#`))
    .map((i) => ({
      key: `${String(i.PK).slice(`GRANT#${funderId}#`.length)}|${i.SK}`,
      version: i.version,
      contentHash: i.contentHash,
      record: i.record,
    }));
}

describe('import under injected DynamoDB faults', () => {
  it('ends equal to a clean import: every grant once, one version each', async () => {
    const importAs = (funder: string) =>
      runImport({
        file: FILE,
        client: createApiClient({
          baseUrl: hub.url,
          apiKey: world.keys[funder]?.editor ?? '',
          maxAttempts: 10,
        }),
        apiUrl: hub.url,
        hub: { visibility: 'hub' },
        progress: false,
        concurrency: 4,
        // Smaller batches: more transactions and batch reads for the faults to hit.
        batchSize: 25,
        statePath: `${FILE}.${funder}.test-state.json`,
      });
    const clean = await importAs('osf');
    expect(clean).toMatchObject({ created: 475, rejected: 0, complete: true });

    const counts: Record<string, number> = {};
    const faulty = await withServices(faultyServices(counts), () => importAs('nef'));

    expect(faulty.rejections).toEqual([]);
    expect(faulty.complete).toBe(true);
    expect(faulty.created).toBe(475);
    // The faults really happened, of every kind.
    expect(counts['throttled transaction']).toBeGreaterThan(0);
    expect(counts['unprocessed keys']).toBeGreaterThan(0);
    expect(counts['timed-out read']).toBeGreaterThan(0);

    const snapshot = await hub.snapshot();
    const a = grantsOf(snapshot, 'osf').sort((x, y) => x.key.localeCompare(y.key));
    const b = grantsOf(snapshot, 'nef').sort((x, y) => x.key.localeCompare(y.key));
    expect(b).toEqual(a);
    expect(b.every((g) => g.version === 1 && g.key.endsWith('|CURRENT'))).toBe(true);
  });
});

describe('an import whose process is killed', () => {
  it('resumes after SIGKILL mid-import and ends equal to a clean import: every grant once, one version each', async () => {
    // A copy of the file in a folder of its own: the checkpoint and report are written beside it.
    const dir = mkdtempSync(join(tmpdir(), 'cofund-killed-'));
    const file = join(dir, 'alwf.json');
    copyFileSync(FILE, file);
    const statePath = `${file}.cofund-import-state.json`;
    const key = world.keys.macarthur?.editor ?? '';
    const args = [
      'import',
      file,
      '--visibility',
      'hub',
      '--batch-size',
      '25',
      '--concurrency',
      '4',
      '--no-progress',
    ];
    try {
      const child = spawn(process.execPath, [resolve('bin/cofund.mjs'), ...args], {
        env: {
          ...process.env,
          COFUND_API_URL: hub.url,
          COFUND_API_KEY: key,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        stdio: 'ignore',
      });
      const exited = once(child, 'exit');
      // Killed without warning once three batches are checkpointed, with more in flight.
      const checkpointed = () =>
        existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')).doneBatches.length : 0;
      const deadline = Date.now() + 60_000;
      while (checkpointed() < 3) {
        if (child.exitCode !== null) throw new Error('the import ended before it could be killed');
        if (Date.now() > deadline) throw new Error('no checkpoint within a minute');
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
      const landed = grantsOf(await hub.snapshot(), 'macarthur').length;
      expect(landed).toBeGreaterThanOrEqual(75);
      expect(landed).toBeLessThan(475);

      // The same command again: it resumes from the checkpoint and re-sends what was in flight.
      const again = await runCofund(hub.url, args, key);
      expect(again.code, again.stderr).toBe(0);
      const report = JSON.parse(readFileSync(`${file}.import-report.json`, 'utf8'));
      expect(report).toMatchObject({ resumed: true, complete: true, rejected: 0 });
      expect(report.skippedAlreadyImported).toBeGreaterThanOrEqual(75);
      expect(existsSync(statePath)).toBe(false);

      // Equal to the clean import of the same file (OSF's, in the test above), grant by grant.
      const snapshot = await hub.snapshot();
      const clean = grantsOf(snapshot, 'osf').sort((x, y) => x.key.localeCompare(y.key));
      const killed = grantsOf(snapshot, 'macarthur').sort((x, y) => x.key.localeCompare(y.key));
      expect(clean).toHaveLength(475);
      expect(killed).toEqual(clean);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
