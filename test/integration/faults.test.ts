// Throttling injected into a real client talking to DynamoDB Local: after the client re-sends what the hub
// reported as temporarily unavailable, the table equals a clean run's: nothing lost, nothing doubled.
import { describe, expect, it } from 'vitest';
import { getConfig } from '../../shared/config.ts';
import { createServices } from '../../shared/services.ts';
import { seededRandom } from '../../tools/seeded-random.ts';
import { faultyClient, throttled } from '../support/faults.ts';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

/** A client whose every attempt (including the SDK's own retries) is throttled with the given probability. */
function throttlingClient(rate: () => number) {
  const random = seededRandom(42);
  return faultyClient(3, () => (random() < rate() ? throttled() : null));
}

function projection(items: Array<Record<string, unknown>>, funderId: string) {
  return items
    .filter((i) => String(i.PK).startsWith(`GRANT#${funderId}#`))
    .map((i) => ({
      PK: i.PK,
      SK: i.SK,
      version: i.version,
      contentHash: i.contentHash,
      deleted: i.deleted,
      record: i.record,
    }));
}

async function importUntilDone(
  services: ReturnType<typeof createServices>,
  funderId: string,
  grants: unknown[],
) {
  const principal = setup.world.principals[funderId]?.editor;
  if (!principal) throw new Error('no editor');
  let pending = grants;
  for (let round = 0; pending.length > 0 && round < 50; round++) {
    const out = await services.grants.batchUpsert({ principal }, { grants: pending });
    for (const r of out.results) {
      if (r.outcome === 'rejected') expect(r.code).toBe('temporarily_unavailable');
    }
    pending = out.results.filter((r) => r.code === 'temporarily_unavailable').map((r) => pending[r.index]);
  }
  expect(pending).toEqual([]);
}

describe('imports under throttling', () => {
  const grants = (prefix: string) =>
    Array.from({ length: 60 }, (_, i) => grantBody(`${prefix}-${i}`, { amountAwarded: i * 10 }));

  it.each([
    ['10%', 0.1],
    ['50%', 0.5],
  ])('ends equal to a clean import with %s of calls throttled', async (_label, rate) => {
    // The clean run goes to OSF, the throttled run to NEF: same ids, compared record by record.
    await importUntilDone(setup.hub.services, 'osf', grants(`t${rate}`));
    const faulty = createServices(
      getConfig(),
      throttlingClient(() => rate),
    );
    await importUntilDone(faulty, 'nef', grants(`t${rate}`));
    const snapshot = await setup.hub.snapshot();
    const clean = projection(snapshot, 'osf').map((i) => ({
      ...i,
      PK: String(i.PK).replace('GRANT#osf#', ''),
    }));
    const throttledRun = projection(snapshot, 'nef').map((i) => ({
      ...i,
      PK: String(i.PK).replace('GRANT#nef#', ''),
    }));
    expect(throttledRun.filter((i) => String(i.PK).startsWith(`t${rate}`))).toEqual(
      clean.filter((i) => String(i.PK).startsWith(`t${rate}`)),
    );
  });

  it('writes nothing while every call is throttled, then completes once the table recovers', async () => {
    let rate = 1;
    const faulty = createServices(
      getConfig(),
      throttlingClient(() => rate),
    );
    const principal = setup.world.principals.nef?.editor;
    if (!principal) throw new Error('no editor');
    const before = await setup.hub.snapshot();
    const out = await faulty.grants.batchUpsert({ principal }, { grants: grants('full').slice(0, 10) });
    expect(out.summary.rejected).toBe(10);
    expect(await setup.hub.snapshot()).toEqual(before);
    rate = 0;
    await importUntilDone(faulty, 'nef', grants('full').slice(0, 10));
    const history = await setup.hub.services.grants.versions({ principal }, 'nef', 'full-3');
    expect(history.items).toHaveLength(1);
  });
});
