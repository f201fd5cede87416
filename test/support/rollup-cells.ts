// Gap rollup tests' common parts: grants written and resolved without the stream, and the cells as stored
// beside the cells the mentions should give.
import type { StoredMention } from '../../schemas/organisation.ts';
import { cellKeyOf, contributionOf } from '../../shared/gaps/contribution.ts';
import { type GrantNoise, keyedNoise } from '../../shared/gaps/gap-math.ts';
import { grantBody } from './world.ts';
import type { WorldHub } from './world-hub.ts';

export function rollupCells(setup: WorldHub, prefix = 'gr') {
  let written = 0;
  return {
    /** Writes a grant and resolves it (no stream here): returns its first mention as stored. */
    async mentionOf(funder: string, fields: Record<string, unknown> = {}): Promise<StoredMention> {
      const { services } = setup.hub;
      const id = `${prefix}-${++written}`;
      await services.grants.put(setup.ctx(funder, 'editor'), funder, id, {
        ...grantBody(id),
        amountAwarded: 10_000 + written * 7,
        visibility: 'hub',
        recipientOrganization: [
          { id: `360G-${funder}-${written % 6}`, name: `Harbour Migrant Centre ${written % 6}` },
        ],
        ...fields,
      });
      const stored = await services.repos.grants.getCurrent(funder, id);
      if (!stored) throw new Error('not stored');
      await services.resolver.resolveGrant(stored);
      const [mention] = (await services.repos.resolution.readGrant(funder, id)).mentions;
      if (!mention) throw new Error('not resolved');
      return mention;
    },

    /** Every stored cell attribute, as "year#theme#region attribute" -> value, zeros left out. */
    async storedCells(): Promise<Record<string, number>> {
      const repo = setup.hub.services.repos.gaps;
      const out: Record<string, number> = {};
      for (const year of await repo.readYears()) {
        for (const cell of [
          ...(await repo.cellsOfYear(year)),
          ...(await repo.granteesOfYear(year)),
          ...(await repo.yearTotals([year])),
        ]) {
          for (const [name, value] of Object.entries(cell.values)) out[`${cellKeyOf(cell)} ${name}`] = value;
        }
      }
      return out;
    },

    /** The cells these mentions give under the hub's rules (or under `noise`). */
    async expectedCells(finals: StoredMention[], noise?: GrantNoise): Promise<Record<string, number>> {
      const rule = noise ?? keyedNoise(await setup.hub.services.secrets.keyFor('gap-noise'));
      const out: Record<string, number> = {};
      for (const m of finals) {
        for (const { cell, values } of contributionOf(m, rule)) {
          for (const [name, value] of Object.entries(values)) {
            const key = `${cellKeyOf(cell)} ${name}`;
            out[key] = (out[key] ?? 0) + value;
          }
        }
      }
      return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0));
    },
  };
}
