// The threshold attack an outsider ran on the first version of the disclosure rule: two sock puppets move their
// private grants and watch only whether a cell's private figure is shown. Judged on true amounts, the rule's edges
// gave the target's total to 0.05%; judged on the perturbed parts, they say nothing the figure does not.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRIVACY, keyedNoise } from '../../shared/gaps/gap-math.ts';
import { exactRuleOracle, hubOracle, probe, probeTargets } from '../support/disclosure-probe.ts';

const KEY = Buffer.from('threshold-probe-key-0123456789ab');
const noise = keyedNoise(KEY, DEFAULT_PRIVACY);

/**
 * Another funder's grant and total whose perturbed part is exactly the target's, its factor from the other side of
 * 1 (so the total is at least 30% away from the target's): if the rule depends on the target only through its
 * perturbed part, no probe can tell the two apart.
 */
function twinOf(target: number): { total: number; funder: string } {
  const factor = noise('target', 't', 2019);
  const part = Math.round(target * factor);
  for (let i = 0; i < 1000; i += 1) {
    const funder = `target${i}`;
    const other = noise(funder, 't', 2019);
    if (other > 1 === factor > 1) continue;
    const near = Math.round(part / other);
    for (const total of [near - 1, near, near + 1])
      if (Math.round(total * other) === part) return { total, funder };
  }
  throw new Error(`no twin of ${target}`);
}

describe('the threshold probe', () => {
  it('recovers a lone private total to 0.1% from a rule judged on true amounts (the control)', async () => {
    for (const truth of probeTargets(10, 7)) {
      const result = await probe(exactRuleOracle, truth);
      expect(result.probes).toBeLessThanOrEqual(61);
      expect(Math.min(...result.errors)).toBeLessThan(0.001);
    }
  });

  it('cannot tell a total from one 30% or more away whose perturbed part is the same, on the hub', async () => {
    for (const truth of probeTargets(6, 11)) {
      const twin = twinOf(truth);
      expect(Math.abs(twin.total - truth) / truth).toBeGreaterThanOrEqual(0.3 - 1e-6);
      // Every question the adaptive probe asks of one, asked of the other, gets the same answer.
      const answers: boolean[][] = [[], []];
      const cases = [
        { total: truth, hub: hubOracle(KEY) },
        { total: twin.total, hub: hubOracle(KEY, twin.funder) },
      ];
      for (const [i, { total, hub }] of cases.entries()) {
        const recording = async (t: number, l: number) => {
          const shown = await hub(t, l);
          answers[i]?.push(shown);
          return shown;
        };
        await probe(recording, total);
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]?.some(Boolean)).toBe(true);
    }
  }, 120_000);

  it('tells the same two totals apart from a rule judged on true amounts (the control)', async () => {
    const truth = probeTargets(1, 11)[0] ?? 0;
    const twin = twinOf(truth);
    const a = await probe(exactRuleOracle, truth);
    const b = await probe(exactRuleOracle, twin.total);
    expect(a.fromUpper).not.toEqual(b.fromUpper);
  });
});
