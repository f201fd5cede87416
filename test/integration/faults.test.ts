// Throttling injected into a real client talking to DynamoDB Local: after the client re-sends what the hub
// reported as temporarily unavailable, the table equals a clean run's: nothing lost, nothing doubled.
import { describe, expect, it } from 'vitest';
import { getConfig } from '../../shared/config.ts';
import { createServices } from '../../shared/services.ts';
import { THROTTLE_RATES, throttlingClient } from '../support/faults.ts';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

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
  // Sent 10 to a request, as `cofund import --batch-size 10` would; what is reported for re-sending is re-sent.
  for (let start = 0; start < grants.length; start += 10) {
    let pending = grants.slice(start, start + 10);
    for (let round = 0; pending.length > 0 && round < 50; round++) {
      const out = await services.grants.batchUpsert({ principal }, { grants: pending });
      for (const r of out.results) {
        if (r.outcome === 'rejected') expect(r.code).toBe('temporarily_unavailable');
      }
      pending = out.results.filter((r) => r.code === 'temporarily_unavailable').map((r) => pending[r.index]);
    }
    expect(pending).toEqual([]);
  }
}

describe('imports under throttling', () => {
  // 120 grants sent 10 to a request: enough DynamoDB calls that even 10% throttling hits some of them.
  const GRANTS = 120;
  const grants = (prefix: string) =>
    Array.from({ length: GRANTS }, (_, i) => grantBody(`${prefix}-${i}`, { amountAwarded: i * 10 }));

  it.each(THROTTLE_RATES)('ends equal to a clean import with %s of calls throttled', async (label, share) => {
    const prefix = `t${label.replace('%', '')}`;
    // The clean run goes to OSF, the throttled run to NEF: same ids, compared record by record.
    await importUntilDone(setup.hub.services, 'osf', grants(prefix));
    let rate: number = share;
    const { client, injected } = throttlingClient(() => rate);
    const faulty = createServices(getConfig(), client);
    if (share === 1) {
      // An outage: every grant is reported for re-sending and nothing is written; then the table recovers.
      const principal = setup.world.principals.nef?.editor;
      if (!principal) throw new Error('no editor');
      const before = await setup.hub.snapshot();
      const out = await faulty.grants.batchUpsert({ principal }, { grants: grants(prefix).slice(0, 10) });
      expect(out.summary.rejected).toBe(10);
      expect(out.results.every((r) => r.code === 'temporarily_unavailable')).toBe(true);
      expect(await setup.hub.snapshot()).toEqual(before);
      rate = 0;
    }
    await importUntilDone(faulty, 'nef', grants(prefix));
    expect(injected.throttled).toBeGreaterThan(0);
    const snapshot = await setup.hub.snapshot();
    const clean = projection(snapshot, 'osf').map((i) => ({
      ...i,
      PK: String(i.PK).replace('GRANT#osf#', ''),
    }));
    const throttledRun = projection(snapshot, 'nef').map((i) => ({
      ...i,
      PK: String(i.PK).replace('GRANT#nef#', ''),
    }));
    const ofThisRun = (items: typeof clean) => items.filter((i) => String(i.PK).startsWith(`${prefix}-`));
    expect(ofThisRun(throttledRun)).toEqual(ofThisRun(clean));
    // Every grant once, at version 1: nothing lost, nothing doubled by the re-sends.
    expect(ofThisRun(throttledRun).map((i) => `${i.SK} ${i.version}`)).toEqual(
      Array.from({ length: GRANTS }, () => 'CURRENT 1'),
    );
  });
});
