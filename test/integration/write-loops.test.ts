// The import benchmark's write loops: each writes every grant item of a file, and those it calls conditional
// really refuse to overwrite an item that exists (BENCHMARKS.md compares the hub with them on that ground).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateGrantsFile } from '../../bench/generate.ts';
import { baselineLoop, WRITE_LOOPS, type WriteLoop } from '../../bench/import-bench.ts';
import { ensureTables, tableNames } from '../../local/tables.ts';
import { createDynamoClient } from '../../shared/db/client.ts';

const GRANTS = 120;
const client = createDynamoClient({ AWS_REGION: 'eu-west-1', DYNAMODB_ENDPOINT: inject('dynamoEndpoint') });
let dir: string;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cofund-loops-'));
  file = join(dir, 'grants.json');
  await generateGrantsFile(file, GRANTS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function itemsIn(table: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return count;
}

describe('import benchmark write loops', () => {
  it.each(Object.keys(WRITE_LOOPS) as WriteLoop[])(
    'the %s loop writes every grant item, and refuses to write them again if it is conditional',
    async (loop) => {
      const names = tableNames(`loops-${randomUUID().slice(0, 8)}`);
      await ensureTables(client, names);
      const run = await baselineLoop(client, names.TABLE_NAME, file, loop);
      expect(run.averageItemBytes).toBeGreaterThan(500);
      expect(await itemsIn(names.TABLE_NAME)).toBe(GRANTS);
      // The same items again: a conditional loop refuses them, the plain loop overwrites them.
      const again = baselineLoop(client, names.TABLE_NAME, file, loop);
      if (WRITE_LOOPS[loop].conditional)
        await expect(again).rejects.toThrow(/condition|exists|INSERT failed/i);
      else await expect(again).resolves.toBeDefined();
      expect(await itemsIn(names.TABLE_NAME)).toBe(GRANTS);
    },
  );
});
