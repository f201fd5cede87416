// `npm run rebuild:gaps` against DynamoDB Local: cells rolled up under older rules (no perturbed private money,
// another noise) end in exactly the cells today's rules give; mentions the stream has yet to apply are left to it;
// a stream delivery racing the rebuild is never lost or counted twice; a bad item never stops the rest; a second
// run changes nothing.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { StoredMention } from '../../schemas/organisation.ts';
import { createDocumentClient } from '../../shared/db/client.ts';
import { appliedKeyOf, contributionOf } from '../../shared/gaps/contribution.ts';
import { keyedNoise } from '../../shared/gaps/gap-math.ts';
import { rebuildGapCells } from '../../shared/gaps/gap-rebuild.ts';
import type { GapRepository } from '../../shared/gaps/gap-repository.ts';
import { createGapRollup } from '../../shared/gaps/gap-rollup.ts';
import { mentionItem } from '../../shared/organisations/resolution-repository.ts';
import { rollupCells } from '../support/rollup-cells.ts';
import { useWorldHub } from '../support/world-hub.ts';

const setup = useWorldHub();
const { mentionOf, storedCells, expectedCells } = rollupCells(setup, 'rb');
const services = () => setup.hub.services;

const scan = (segment: number, total: number) => services().repos.resolution.scanMentions(segment, total);

/** The version before per-grant noise: the same cells, but no perturbed private money (`q|`). */
async function applyWithoutPerturbed(m: StoredMention) {
  const contribution = contributionOf(m, () => 1).map(({ cell, values }) => ({
    cell,
    values: Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith('q|'))),
  }));
  await services().repos.gaps.apply(
    { mentionId: m.mentionId, appliedKey: appliedKeyOf(m.grantVersion, m.revision, false), contribution },
    null,
    contribution,
  );
}

/** A version with another noise key. */
const otherRules = () =>
  createGapRollup({ repo: services().repos.gaps, noise: async () => keyedNoise(Buffer.alloc(32, 7)) });

/** Writes an item as is (a mention the resolver changed, its stream record not applied yet; a broken item). */
async function docPut(item: Record<string, unknown>) {
  const doc = createDocumentClient(services().client);
  await doc.send(new PutCommand({ TableName: services().config.TABLE_NAME, Item: item }));
}

/** The mention at a later revision, as the resolver writes it, its stream record not applied yet. */
async function changeWithoutStream(m: StoredMention, change: Partial<StoredMention>): Promise<StoredMention> {
  const next = { ...m, ...change, revision: m.revision + 1 };
  await docPut(mentionItem(next));
  return next;
}

describe('rebuilding the gap cells', () => {
  it('moves cells rolled up under older rules to today’s, leaves the stream its own, and changes nothing when run again', async () => {
    const private6: StoredMention[] = [];
    for (let i = 0; i < 6; i++) {
      private6.push(
        await mentionOf(['osf', 'macarthur', 'nef'][i % 3] as string, {
          visibility: 'private',
          awardDate: `${2018 + (i % 2)}-05-01`,
          themes: i % 3 === 0 ? ['education', 'integration'] : ['education'],
          regions: ['africa'],
          currency: i % 2 === 0 ? 'EUR' : 'USD',
        }),
      );
    }
    const shared = await mentionOf('osf', {
      awardDate: '2018-02-01',
      themes: ['education'],
      regions: ['africa'],
    });
    const current = await mentionOf('nef', { visibility: 'private', awardDate: '2018-03-01' });
    const notApplied = await mentionOf('macarthur', { visibility: 'private', awardDate: '2019-03-01' });
    const older = await mentionOf('osf', {
      visibility: 'private',
      awardDate: '2019-04-01',
      regions: ['europe'],
    });

    for (const m of private6.slice(0, 4)) await applyWithoutPerturbed(m);
    for (const m of private6.slice(4)) await otherRules().apply({ next: m, previous: null });
    await applyWithoutPerturbed(shared); // nothing private: the same cells under either rule
    await services().gapRollup.apply({ next: current, previous: null });
    await services().gapRollup.apply({ next: older, previous: null });
    const newer = await changeWithoutStream(older, { regions: ['asia-middle-east'] });
    // An item that is no valid mention: counted as failed, the others go on.
    await docPut({ PK: 'MENTION#osf#broken', SK: 'R#0', entity: 'mention', funderId: 'osf' });

    const before = await storedCells();
    expect(before).not.toEqual(await expectedCells([...private6, shared, current, older]));
    expect(Object.keys(before).some((k) => k.includes(' q|macarthur|private'))).toBe(true); // otherRules' macarthur grant

    const progress: number[] = [];
    const first = await rebuildGapCells({
      scan,
      rollup: services().gapRollup,
      segments: 3,
      onProgress: (p) => progress.push(p.mentions),
    });
    expect(first).toMatchObject({ mentions: 10, refreshed: 6, unchanged: 2, skipped: 2, failed: 1 });
    expect(first.failures[0]).toMatch(/^MENTION#osf#broken\/R#0: not a valid mention/);
    expect(progress.length).toBeGreaterThan(0);
    // The applied states are today's: `older` stays as applied (its newer revision is the stream's), `notApplied`
    // is not in the cells at all.
    expect(await storedCells()).toEqual(await expectedCells([...private6, shared, current, older]));

    const second = await rebuildGapCells({ scan, rollup: services().gapRollup });
    expect(second).toMatchObject({ mentions: 10, refreshed: 0, unchanged: 8, skipped: 2, failed: 1 });
    expect(await storedCells()).toEqual(await expectedCells([...private6, shared, current, older]));

    // The stream then applies what it had pending: every mention as it is, once.
    await services().gapRollup.apply({ next: newer, previous: older });
    await services().gapRollup.apply({ next: notApplied, previous: null });
    expect(await storedCells()).toEqual(
      await expectedCells([...private6, shared, current, newer, notApplied]),
    );
    const third = await rebuildGapCells({ scan, rollup: services().gapRollup, segments: 1 });
    expect(third).toMatchObject({ mentions: 10, refreshed: 0, unchanged: 10, skipped: 0 });
  });

  it('loses no stream delivery that lands between its read and its write, and counts it once', async () => {
    const baseline = await storedCells();
    const old = await mentionOf('macarthur', {
      visibility: 'private',
      awardDate: '2016-07-01',
      regions: ['central-america-mexico'],
    });
    await applyWithoutPerturbed(old);
    const newer = await changeWithoutStream(old, { regions: ['global'] });
    // The stream applies the newer revision right after the rebuild has read the old state.
    let raced = 0;
    const repo: GapRepository = {
      ...services().repos.gaps,
      readState: async (id) => {
        const state = await services().repos.gaps.readState(id);
        if (id === old.mentionId && raced++ === 0) {
          await services().gapRollup.apply({ next: newer, previous: old });
        }
        return state;
      },
    };
    const racing = createGapRollup({
      repo,
      noise: async () => keyedNoise(await services().secrets.keyFor('gap-noise')),
    });
    // The rebuild read the old mention (as a scan page can, moments before the change).
    expect(await racing.refresh(old)).toBe('skipped');
    expect(raced).toBe(2); // read, lost the condition, read again
    const after = await storedCells();
    const added = await expectedCells([newer]);
    const expected = { ...baseline };
    for (const [k, v] of Object.entries(added)) expected[k] = (expected[k] ?? 0) + v;
    expect(after).toEqual(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== 0)));
  });
});
