// Keeps the gap cells current from mention changes on the table stream (Lambda in AWS, the stream poller
// locally). Idempotent and order-safe: each mention's applied state carries a sortable key (grant version,
// mention revision, removal), a record that does not sort after it is skipped, and the move from the applied
// contribution to the new one is one conditional transaction.
import type { StoredMention } from '../../schemas/organisation.ts';
import { ConditionFailedError } from '../db/conditions.ts';
import { appliedKeyOf, contributionDelta, contributionOf } from './contribution.ts';
import type { GrantNoise } from './gap-math.ts';
import type { GapRepository } from './gap-repository.ts';

const MAX_RACE_RETRIES = 5;

export type RollupOutcome = 'applied' | 'skipped';
/** What a refresh did: moved the cells to today's rules, found them there already, or left them to the stream. */
export type RefreshOutcome = 'refreshed' | 'unchanged' | 'skipped';

export interface MentionChange {
  /** The mention as written (INSERT, MODIFY), or null when it was removed. */
  next: StoredMention | null;
  /** The mention before the change (MODIFY, REMOVE). */
  previous: StoredMention | null;
}

export function createGapRollup(deps: {
  repo: GapRepository;
  /** Each private grant's noise factor (keyed by the hub's secret; README "Disclosure"). */
  noise: () => Promise<GrantNoise>;
}) {
  const { repo } = deps;
  return {
    async apply(change: MentionChange): Promise<RollupOutcome> {
      const mention = change.next ?? change.previous;
      if (!mention) return 'skipped';
      const key = change.next
        ? appliedKeyOf(change.next.grantVersion, change.next.revision, false)
        : appliedKeyOf(mention.grantVersion, mention.revision, true);
      const target = contributionOf(change.next, await deps.noise());
      for (let attempt = 0; ; attempt++) {
        const state = await repo.readState(mention.mentionId);
        if (state && state.appliedKey >= key) return 'skipped';
        try {
          await repo.apply(
            { mentionId: mention.mentionId, appliedKey: key, contribution: target },
            state?.appliedKey ?? null,
            contributionDelta(state?.contribution ?? [], target),
          );
          return 'applied';
        } catch (error) {
          // Another delivery of this mention moved it first: read its state again.
          if (!(error instanceof ConditionFailedError) || attempt >= MAX_RACE_RETRIES) throw error;
        }
      }
    },

    /**
     * Re-applies a mention's applied state under today's rules (noise, FX rates, what counts): for cells rolled
     * up by an older version. Only where the applied state is this very mention (same grant version and
     * revision); a mention not applied yet, or changed since, is the stream's to apply, under the same rules.
     * Conditional on the applied key, so a stream delivery racing it is never lost or counted twice.
     */
    async refresh(mention: StoredMention): Promise<RefreshOutcome> {
      const key = appliedKeyOf(mention.grantVersion, mention.revision, false);
      const target = contributionOf(mention, await deps.noise());
      for (let attempt = 0; ; attempt++) {
        const state = await repo.readState(mention.mentionId);
        if (state?.appliedKey !== key) return 'skipped';
        const delta = contributionDelta(state.contribution, target);
        if (delta.length === 0) return 'unchanged';
        try {
          await repo.apply(
            { mentionId: mention.mentionId, appliedKey: key, contribution: target },
            key,
            delta,
          );
          return 'refreshed';
        } catch (error) {
          if (!(error instanceof ConditionFailedError) || attempt >= MAX_RACE_RETRIES) throw error;
        }
      }
    },
  };
}
export type GapRollup = ReturnType<typeof createGapRollup>;
