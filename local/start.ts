// `npm start`: DynamoDB Local + tables + demo data + the local API gateway on http://localhost:3000.
// Lambda runs Node 22; on a Node 20 laptop the SDK's reminder about that is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { buildConsole, describeBuild } from '../console/build.ts';
import { handler as startDigestRun } from '../functions/digests/start-digest-run.ts';
import { resetConfigForTests } from '../shared/config.ts';
import { useDigestTransport } from '../shared/digests/transport.ts';
import { rebuildGapCells } from '../shared/gaps/gap-rebuild.ts';
import { logger } from '../shared/logger.ts';
import { getServices, resetServicesForTests } from '../shared/services.ts';
import { consoleFiles } from './console-files.ts';
import { createLocalDigestQueue } from './digest-queue.ts';
import { startDynamoLocal } from './dynamodb-local.ts';
import { createOutboxMailer } from './outbox-mailer.ts';
import { type DemoKey, type SeedReport, seedDemo } from './seed.ts';
import { startLocalServer } from './server.ts';
import { startStreamPoller } from './stream-poller.ts';
import { ensureTables, tableNames } from './tables.ts';

const { values: flags } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'data-dir': { type: 'string', default: resolve(import.meta.dirname, '..', '.data') },
    'digest-interval': { type: 'string', default: process.env.DIGEST_INTERVAL_SECONDS ?? '3600' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`Usage: npm start -- [--in-memory] [--port 3000] [--data-dir .data]

Starts DynamoDB Local (Java 17+), creates the tables, seeds the demo data on first run,
and serves the API on http://localhost:<port>/v1 with the same handlers AWS runs, and the web console
on http://localhost:<port>/.
  --in-memory   keep nothing between runs (data is otherwise kept under --data-dir)
  --digest-interval <seconds>
                how often the digest schedule runs (default 3600, or DIGEST_INTERVAL_SECONDS); the
                first run follows the demo's stream processing. Digests go to <data-dir>/outbox as
                .eml and .html files (with --in-memory, to a temporary folder removed on stop);
                \`cofund digest --now\` runs the schedule on demand.
`);
  process.exit(0);
}

const DemoKeysSchema = z.array(
  z.object({ funderId: z.string(), memberId: z.string(), role: z.string(), apiKey: z.string() }),
);

async function main() {
  // One log line per resolved mention suits Lambda, not a terminal: progress is printed instead.
  if (!process.env.LOG_LEVEL) logger.setLogLevel('WARN');
  const dataDir = flags['data-dir'];
  const inMemory = flags['in-memory'];
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  console.log(
    `Starting DynamoDB Local (${inMemory ? 'in memory' : `data in ${resolve(dataDir, 'dynamodb')}`})...`,
  );
  const dynamo = await startDynamoLocal(inMemory ? {} : { dataDir: resolve(dataDir, 'dynamodb') });
  console.log(`  DynamoDB Local on ${dynamo.endpoint}`);
  const port = Number(flags.port);
  const shownUrl = `http://localhost:${port}`;
  Object.assign(process.env, {
    ...tableNames('cofund-local'),
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
    PUBLIC_API_URL: process.env.PUBLIC_API_URL ?? shownUrl,
    DIGEST_FROM_ADDRESS: process.env.DIGEST_FROM_ADDRESS ?? 'digests@cofund.local',
    // The local stream is read in-process, so a feed entry is written moments after its grant.
    DIGEST_SETTLE_SECONDS: process.env.DIGEST_SETTLE_SECONDS ?? '2',
  });
  resetConfigForTests();
  resetServicesForTests();
  const services = getServices();
  const created = await ensureTables(services.client, tableNames('cofund-local'));

  const keysFile = resolve(dataDir, 'demo-keys.json');
  let keys: DemoKey[];
  let uploads: SeedReport['uploads'] = [];
  if (created || inMemory || !existsSync(keysFile)) {
    console.log(
      'Seeding demo data (funders, the EPIM collaborative, OSF and MacArthur grants, two real 360Giving files)...',
    );
    const report = await seedDemo(services, { log: (line) => console.log(line) });
    console.log(
      `  grants: ${report.grants.created} created, ${report.grants.updated} updated, ${report.grants.unchanged} unchanged, ${report.grants.rejected} rejected`,
    );
    for (const r of report.rejected.slice(0, 10))
      console.log(`  rejected ${r.funderId}/${r.id}: ${JSON.stringify(r.errors)}`);
    keys = report.keys;
    uploads = report.uploads;
    if (!inMemory) writeFileSync(keysFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  } else {
    keys = DemoKeysSchema.parse(JSON.parse(readFileSync(keysFile, 'utf8')));
  }

  // Digests: the same fan-out and delivery handlers as in AWS, with an in-process queue and an outbox folder.
  // In memory, digests (their unsubscribe links are live) go to a folder of their own, removed on stop.
  const outboxDir = inMemory ? mkdtempSync(join(tmpdir(), 'cofund-outbox-')) : resolve(dataDir, 'outbox');
  const outbox = createOutboxMailer({
    dir: outboxDir,
    from: services.config.DIGEST_FROM_ADDRESS ?? 'digests@cofund.local',
  });
  const digestQueue = createLocalDigestQueue({
    maxAttempts: services.config.DIGEST_MAX_ATTEMPTS,
    onParked: (m) =>
      console.error(
        `  digest for ${m.funderId}/${m.memberId} (${m.period}) failed every attempt; see GET /v1/digests`,
      ),
  });
  useDigestTransport({ queue: digestQueue, mailer: outbox });

  const built = await buildConsole(resolve(dataDir, 'console'));
  console.log(`  ${describeBuild(built)}`);
  const server = await startLocalServer({ port, host: '127.0.0.1', fallback: consoleFiles(built.outDir) });
  // Organisation resolution and the gap rollups run from the table stream, as in AWS; the first run works
  // through the seed.
  const poller = await startStreamPoller(services.config, {
    onError: (error) => console.error(`stream poller: ${error instanceof Error ? error.message : error}`),
  });
  /** What the seeded uploads still wait for: "resolved" is printed only when that is nothing. */
  const seedStatus = async () => {
    const all = await Promise.all(uploads.map((u) => services.uploads.status(u.principal, u.uploadId)));
    return all.reduce(
      (t, s) => ({
        grants: t.grants + s.grants,
        done: t.done + s.rolledUp,
        setAside: t.setAside + s.setAside,
        pending: t.pending + s.pending.resolution + s.pending.rollup,
      }),
      { grants: 0, done: 0, setAside: 0, pending: 0 },
    );
  };
  let shown = '';
  const progress = setInterval(() => {
    void seedStatus().then(
      (s) => {
        const line = `  resolving organisations and rolling up gaps: ${s.done} of ${s.grants} demo grants done...`;
        if (s.pending > 0 && line !== shown) console.log(line);
        shown = line;
      },
      () => undefined,
    );
  }, 10_000);
  const settled = async () => {
    await poller.drain(30 * 60_000);
    // The stream is quiet: every record was handled or set aside. Say which, from the grants themselves.
    for (;;) {
      const s = await seedStatus();
      if (s.pending === 0) return s;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const digestIntervalMs = Math.max(10, Number(flags['digest-interval'])) * 1000;
  let digestTimer: NodeJS.Timeout | undefined;
  const runDigests = async () => {
    const before = digestQueue.delivered;
    const run = await startDigestRun({});
    await digestQueue.drain();
    console.log(
      `Digest run (${Object.keys(run.periods).join(', ') || 'no members due'}): ${run.queued} members, ` +
        `${digestQueue.delivered - before} handled; messages in ${outbox.dir}`,
    );
  };
  void settled()
    .then(async (s) => {
      if (uploads.length === 0) {
        console.log(
          `Stream caught up (${poller.processed} records read); the demo data was seeded on an earlier run.`,
        );
        // Data kept from an earlier version may have been rolled up under older rules (npm run rebuild:gaps).
        const rebuilt = await rebuildGapCells({
          scan: (segment, total) => services.repos.resolution.scanMentions(segment, total),
          rollup: services.gapRollup,
        });
        console.log(
          rebuilt.refreshed + rebuilt.failed === 0
            ? `  gap cells current under this version's rules (${rebuilt.mentions} mentions checked)`
            : `  gap cells rebuilt under this version's rules: ${rebuilt.refreshed} of ${rebuilt.mentions} mentions refreshed, ${rebuilt.failed} failed${rebuilt.failures.map((f) => `\n    ${f}`).join('')}`,
        );
      } else if (s.setAside === 0) {
        console.log(
          `Organisations resolved and gap cells rolled up: all ${s.grants} demo grants (${poller.processed} stream records read).`,
        );
      } else {
        console.log(
          `Organisations resolved and gap cells rolled up for ${s.done} of ${s.grants} demo grants; ${s.setAside} wait for stream records set aside (\`cofund dead-letters\` as the operator).`,
        );
      }
    })
    .catch((error: unknown) =>
      console.error(`stream processing: ${error instanceof Error ? error.message : error}`),
    )
    .finally(() => clearInterval(progress))
    // The first scheduled run waits for the demo's stream records, so its digests include them.
    .then(() => new Promise((r) => setTimeout(r, (services.config.DIGEST_SETTLE_SECONDS + 1) * 1000)))
    .then(async () => {
      const tick = () =>
        runDigests().catch((error: unknown) =>
          console.error(`digest run: ${error instanceof Error ? error.message : error}`),
        );
      await tick();
      digestTimer = setInterval(() => void tick(), digestIntervalMs);
    });
  console.log(
    `\nDonor data hub running at ${shownUrl}/v1 (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  console.log(`Web console: ${shownUrl}/ (sign in with one of the keys below)`);
  console.log(`OpenAPI: ${shownUrl}/v1/openapi.json\n`);
  console.log(
    inMemory
      ? 'Demo API keys (local only; --in-memory: new each run, not kept):'
      : `Demo API keys (local only; kept in ${relative(process.cwd(), keysFile) || keysFile}):`,
  );
  for (const k of keys)
    console.log(`  ${k.funderId.padEnd(32)} ${k.memberId.padEnd(24)} ${k.role.padEnd(9)} ${k.apiKey}`);
  const officer = keys.find((k) => k.memberId === 'osf-officer') ?? keys[0];
  if (officer) {
    console.log(
      `\nTry:\n  curl -H "Authorization: Bearer ${officer.apiKey}" "${shownUrl}/v1/grants?funder=osf&limit=5"\n` +
        `  curl -H "Authorization: Bearer ${officer.apiKey}" "${shownUrl}/v1/gaps?groupBy=theme,region"\n`,
    );
  }
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the API and DynamoDB Local...`);
    clearInterval(digestTimer);
    await server.close();
    await poller.stop();
    await dynamo.stop();
    if (inMemory) rmSync(outboxDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
