// Many parallel conflicting writes to one grant: every accepted write is a kept version, none is lost.
import { describe, expect, it } from 'vitest';
import { grantBody } from '../support/world.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();

describe('concurrent writes to one grant', () => {
  it('keeps every accepted version and answers every loser with a 409, never overwriting silently', async () => {
    const principal = setup.world.principals.osf?.editor;
    if (!principal) throw new Error('no editor');
    await setup.hub.services.grants.put({ principal }, 'osf', 'hot', grantBody('hot', { amountAwarded: 0 }));

    const writers = 40;
    const settled = await Promise.allSettled(
      Array.from({ length: writers }, (_, i) =>
        setup.hub.services.grants.put(
          { principal },
          'osf',
          'hot',
          grantBody('hot', { amountAwarded: i + 1 }),
        ),
      ),
    );
    const accepted = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect(accepted.length + rejected.length).toBe(writers);
    expect(accepted.length).toBeGreaterThan(0);
    // The race is real: with 40 writers reading the same version, most must lose.
    expect(rejected.length).toBeGreaterThan(0);
    for (const reason of rejected) expect(reason).toMatchObject({ status: 409, code: 'version_conflict' });

    const history = await setup.hub.services.grants.versions({ principal }, 'osf', 'hot');
    // Versions are contiguous: 1 is the seed write, then exactly one per accepted write.
    expect(history.items.map((v) => v.version)).toEqual(
      Array.from({ length: accepted.length + 1 }, (_, i) => i + 1),
    );
    const keptAmounts = history.items.slice(1).map((v) => v.grant?.amountAwarded);
    const acceptedAmounts = accepted.map((a) => a.grant?.grant.amountAwarded);
    expect([...keptAmounts].sort()).toEqual([...acceptedAmounts].sort());
    // Each accepted response names the version that holds exactly its content.
    for (const a of accepted) {
      const kept = history.items.find((v) => v.version === a.grant?.version);
      expect(kept?.grant?.amountAwarded).toBe(a.grant?.grant.amountAwarded);
    }
    const current = await setup.hub.services.grants.get({ principal }, 'osf', 'hot');
    expect(current.version).toBe(accepted.length + 1);
  });

  it('lets only one of many concurrent creates of a new grant win', async () => {
    const principal = setup.world.principals.osf?.editor;
    if (!principal) throw new Error('no editor');
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        setup.hub.services.grants.put(
          { principal },
          'osf',
          'new-hot',
          grantBody('new-hot', { amountAwarded: i }),
        ),
      ),
    );
    const created = settled.filter((s) => s.status === 'fulfilled' && s.value.outcome === 'created');
    expect(created).toHaveLength(1);
    const history = await setup.hub.services.grants.versions({ principal }, 'osf', 'new-hot');
    const fulfilled = settled.filter((s) => s.status === 'fulfilled' && s.value.outcome !== 'unchanged');
    expect(history.items).toHaveLength(fulfilled.length);
  });
});
