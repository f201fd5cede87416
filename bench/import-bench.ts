// Import benchmark: N generated grants through the hub (CLI -> local gateway -> handlers -> DynamoDB Local)
// versus a plain BatchWriteItem loop writing the same grant items, and versus plain loops of each conditional
// write API over the same items (what any writer that never overwrites a racing version could reach).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type AttributeValue,
  BatchExecuteStatementCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { openGrantSource } from '../cli/readers/grant-source.ts';
import { startLocalServer } from '../local/server.ts';
import { ensureTables, tableNames } from '../local/tables.ts';
import { BatchGrantItemSchema } from '../schemas/grant.ts';
import { newApiKey } from '../shared/auth/api-keys.ts';
import { createDynamoClient } from '../shared/db/client.ts';
import { contentHash } from '../shared/grants/content-hash.ts';
import { currentItem } from '../shared/grants/grant-repository.ts';
import { resetServicesForTests, setServicesForTests } from '../shared/services.ts';
import { fromPublishedGrant } from '../shared/threesixty/published.ts';
import { benchServices } from './bench-hub.ts';
import { type CapacityMeter, itemSize, meterCapacity } from './capacity.ts';
import { generateGrantsFile } from './generate.ts';

export interface ImportBenchResult {
  grants: number;
  fileMiB: number;
  hub: {
    seconds: number;
    perSecond: number;
    peakRssMiB: number;
    wcuPerGrant: number;
    wcuPerGrantReported: number;
    rcuPerGrant: number;
    calls: Record<string, number>;
  };
  baseline: { seconds: number; perSecond: number; wcuPerGrant: number; wcuPerGrantReported: number };
  /** Every write loop of WRITE_LOOPS over the same items, each in its own fresh DynamoDB Local. */
  loops: Record<WriteLoop, { seconds: number; perSecond: number }>;
  minimumWcuPerGrant: number;
  averageItemBytes: number;
  ratio: number;
}

/**
 * The ways DynamoDB can write many items, each as a plain loop over the same CURRENT items the hub writes: only
 * `batch` (BatchWriteItem, the issue's baseline) has no conditions; the others are the write APIs that can refuse to
 * overwrite an item that exists, which a writer that never loses a racing version needs.
 */
export const WRITE_LOOPS = {
  batch: {
    label: 'BatchWriteItem, 25 puts per call, UnprocessedItems retried',
    conditional: false,
    perCall: 25,
    inFlight: 4,
  },
  transactions: {
    label: 'TransactWriteItems, 99 puts per call, each `attribute_not_exists(PK)`',
    conditional: true,
    perCall: 99,
    inFlight: 4,
  },
  'transactions, one caller': { label: 'the same transactions', conditional: true, perCall: 99, inFlight: 1 },
  statements: {
    label: 'BatchExecuteStatement, 25 PartiQL INSERTs per call (an INSERT fails if the item exists)',
    conditional: true,
    perCall: 25,
    inFlight: 4,
  },
  puts: {
    label: 'PutItem, one item per call, `attribute_not_exists(PK)`',
    conditional: true,
    perCall: 1,
    inFlight: 16,
  },
} as const;
export type WriteLoop = keyof typeof WRITE_LOOPS;

/** The grant items the hub would write for a file, built with the importer's own reader and mapping. */
async function grantItemsOf(file: string) {
  const items: Record<string, unknown>[] = [];
  const at = new Date().toISOString();
  let bytes = 0;
  for await (const { grant } of openGrantSource(file, 'json').items) {
    const record = BatchGrantItemSchema.parse(fromPublishedGrant(grant, { visibility: 'hub' }));
    const item = currentItem({
      funderId: 'baseline',
      grantId: record.id,
      version: 1,
      contentHash: contentHash(record),
      deleted: false,
      record,
      createdAt: at,
      updatedAt: at,
      updatedBy: 'bench',
    });
    bytes += itemSize(item);
    items.push(item);
  }
  return { items, averageItemBytes: bytes / items.length };
}

/** One call of a loop: writes its group of items, all of them, or throws. */
function writerOf(client: DynamoDBClient, table: string, loop: WriteLoop) {
  const wire = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true });
  switch (loop) {
    case 'batch':
      return async (group: Record<string, unknown>[]) => {
        let pending: WriteRequest[] = group.map((item) => ({ PutRequest: { Item: wire(item) } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
          pending = out.UnprocessedItems?.[table] ?? [];
        }
      };
    case 'transactions':
    case 'transactions, one caller':
      return async (group: Record<string, unknown>[]) => {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: group.map((item) => ({
              Put: { TableName: table, Item: wire(item), ConditionExpression: 'attribute_not_exists(PK)' },
            })),
          }),
        );
      };
    case 'statements':
      return async (group: Record<string, unknown>[]) => {
        const out = await client.send(
          new BatchExecuteStatementCommand({
            Statements: group.map((item) => {
              const attributes = wire(item);
              const names = Object.keys(attributes);
              return {
                Statement: `INSERT INTO "${table}" VALUE {${names.map((n) => `'${n}': ?`).join(', ')}}`,
                Parameters: names.map((n) => attributes[n] as AttributeValue),
              };
            }),
          }),
        );
        const failed = (out.Responses ?? []).find((r) => r.Error);
        if (failed?.Error) throw new Error(`INSERT failed: ${failed.Error.Code} ${failed.Error.Message}`);
      };
    case 'puts':
      return async (group: Record<string, unknown>[]) => {
        for (const item of group) {
          await client.send(
            new PutItemCommand({
              TableName: table,
              Item: wire(item),
              ConditionExpression: 'attribute_not_exists(PK)',
            }),
          );
        }
      };
  }
}

/** Writes a file's grant items with one loop; the items are built before the clock starts. */
export async function baselineLoop(client: DynamoDBClient, table: string, file: string, loop: WriteLoop) {
  const { items, averageItemBytes } = await grantItemsOf(file);
  const { perCall, inFlight } = WRITE_LOOPS[loop];
  const groups: Array<Record<string, unknown>[]> = [];
  for (let i = 0; i < items.length; i += perCall) groups.push(items.slice(i, i + perCall));
  const write = writerOf(client, table, loop);
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < groups.length) await write(groups[next++] ?? []);
    }),
  );
  return { seconds: (Date.now() - started) / 1000, averageItemBytes };
}

/**
 * DynamoDB Local slows down as the data it holds grows (measured: 1,100 -> 500 -> 200 items/s over three
 * successive 10,000-item loads, whatever the table). So each side gets its own fresh DynamoDB Local, started
 * the same way, and writes into an empty table.
 */
interface HubRun {
  seconds: number;
  peakRssMiB: number;
  meter: CapacityMeter | undefined;
}

/** One import through the hub into a fresh DynamoDB Local; metered runs are not timed runs. */
async function hubRun(
  file: string,
  grants: number,
  startDynamo: () => Promise<{ endpoint: string; stop(): Promise<void> }>,
  metered: boolean,
): Promise<HubRun> {
  const dynamo = await startDynamo();
  try {
    const { services, meter } = await benchServices(dynamo.endpoint, metered);
    setServicesForTests(services);
    const at = new Date().toISOString();
    await services.repos.funders.create({
      id: 'bench',
      name: 'Benchmark Foundation',
      kind: 'funder',
      identifiers: [],
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
    await services.repos.members.create({
      id: 'bench-editor',
      funderId: 'bench',
      name: 'Bench',
      email: 'bench@example.org',
      role: 'editor',
      createdAt: at,
      updatedAt: at,
    });
    const { apiKey, record } = newApiKey({ funderId: 'bench', memberId: 'bench-editor', label: 'bench' }, 1);
    await services.repos.members.createKey(record);
    meter?.reset();
    const server = await startLocalServer({ port: 0 });
    try {
      const reportPath = `${file}.report.json`;
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          resolve(import.meta.dirname, '../cli/main.ts'),
          'import',
          file,
          '--no-progress',
          '--visibility',
          'hub',
          '--report',
          reportPath,
          '--restart',
        ],
        {
          env: {
            ...process.env,
            COFUND_API_URL: server.url,
            COFUND_API_KEY: apiKey,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const [code] = await once(child, 'exit');
      if (code !== 0) throw new Error(`import failed (exit ${code}):\n${output}`);
      const report = JSON.parse(readFileSync(reportPath, 'utf8'));
      if (report.created !== grants)
        throw new Error(`hub created ${report.created} of ${grants}:\n${output}`);
      return { seconds: report.seconds, peakRssMiB: report.peakRssMiB, meter };
    } finally {
      await server.close();
      resetServicesForTests();
    }
  } finally {
    await dynamo.stop();
  }
}

async function baselineRun(
  file: string,
  startDynamo: () => Promise<{ endpoint: string; stop(): Promise<void> }>,
  metered: boolean,
  loop: WriteLoop = 'batch',
) {
  const dynamo = await startDynamo();
  try {
    const client = createDynamoClient({ AWS_REGION: 'eu-west-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
    const meter = metered ? meterCapacity(client) : undefined;
    const names = tableNames('base');
    await ensureTables(client, names);
    meter?.reset();
    const run = await baselineLoop(client, names.TABLE_NAME, file, loop);
    return { ...run, meter };
  } finally {
    await dynamo.stop();
  }
}

/**
 * DynamoDB Local slows down as the data it holds grows (measured: 1,100 -> 500 -> 200 items/s over three
 * successive 10,000-item loads, whatever the table). So each run gets its own freshly started DynamoDB Local,
 * started the same way, and writes into an empty table. Capacity is metered on separate, untimed runs of up
 * to 5,000 grants, so the meter's own work never slows the timed runs.
 */
export async function runImportBench(options: {
  grants: number;
  startDynamo: () => Promise<{ endpoint: string; stop(): Promise<void> }>;
  log: (line: string) => void;
}): Promise<ImportBenchResult> {
  const { log, startDynamo } = options;
  const dir = mkdtempSync(join(tmpdir(), 'cofund-bench-'));
  try {
    const file = join(dir, 'grants.json');
    log(`generating ${options.grants} grants...`);
    await generateGrantsFile(file, options.grants);
    const fileMiB = statSync(file).size / 1048576;
    const meteredGrants = Math.min(options.grants, 5000);
    const sample = join(dir, 'sample.json');
    await generateGrantsFile(sample, meteredGrants);

    log('timed: importing through the hub (cofund import -> local gateway -> handlers)...');
    const hub = await hubRun(file, options.grants, startDynamo, false);
    const loops = {} as Record<WriteLoop, { seconds: number; perSecond: number }>;
    let averageItemBytes = 0;
    for (const loop of Object.keys(WRITE_LOOPS) as WriteLoop[]) {
      log(`timed: ${WRITE_LOOPS[loop].label}, over the same items...`);
      const run = await baselineRun(file, startDynamo, false, loop);
      loops[loop] = { seconds: run.seconds, perSecond: options.grants / run.seconds };
      averageItemBytes = run.averageItemBytes;
    }
    const base = loops.batch;
    log(`metered: both again with ${meteredGrants} grants...`);
    const hubMeter = (await hubRun(sample, meteredGrants, startDynamo, true)).meter;
    const baseMeter = (await baselineRun(sample, startDynamo, true)).meter;
    if (!hubMeter || !baseMeter) throw new Error('metered runs lost their meters');

    const hubPerSecond = options.grants / hub.seconds;
    return {
      grants: options.grants,
      fileMiB,
      hub: {
        seconds: hub.seconds,
        perSecond: hubPerSecond,
        peakRssMiB: hub.peakRssMiB,
        wcuPerGrant: hubMeter.write / meteredGrants,
        wcuPerGrantReported: hubMeter.reportedWrite / meteredGrants,
        rcuPerGrant: hubMeter.read / meteredGrants,
        calls: Object.fromEntries(Object.entries(hubMeter.calls).map(([k, v]) => [k, v / meteredGrants])),
      },
      loops,
      baseline: {
        seconds: base.seconds,
        perSecond: base.perSecond,
        wcuPerGrant: baseMeter.write / meteredGrants,
        wcuPerGrantReported: baseMeter.reportedWrite / meteredGrants,
      },
      // One write of an item of this size to the table and to each of its two indexes (both project ALL).
      minimumWcuPerGrant: 3 * Math.ceil(averageItemBytes / 1024),
      averageItemBytes,
      ratio: hubPerSecond / base.perSecond,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
