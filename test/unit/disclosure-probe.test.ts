// The threshold attack an outsider ran on the first version of the disclosure rule: two sock puppets move their
// private grants and watch only whether a cell's private figure is shown. Judged on true amounts, the rule's edges
// gave the target's total to 0.05%; judged on the perturbed parts, they say nothing the figure does not.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRIVACY, keyedNoise } from '../../shared/gaps/gap-math.ts';
import { exactRuleOracle, hubOracle, probe, probeTargets } from '../support/disclosure-probe.ts';

const KEY = Buffer.from('threshold-probe-key-0123456789ab');
const CELL = '2019#education#africa';
const noise = keyedNoise(KEY, DEFAULT_PRIVACY);

/**
 * Another total whose perturbed part is the target's to a millionth, from the other side of 1 (so at least 30%
 * away from the target): if the rule depends on the target only through its perturbed part, no probe can tell
 * the two apart.
 */
function twinOf(target: number): number {
  const part = target * noise(CELL, 'target', target);
  const below = noise(CELL, 'target', target) > 1;
  // The twin's factor is on the other side: its total lies in part / [0.70, 0.85] or part / [1.15, 1.30].
  const [lo, hi] = below ? [part / 0.85, part / 0.7] : [part / 1.3, part / 1.15];
  for (let cents = Math.ceil(lo); cents <= hi; cents += 1) {
    const f = noise(CELL, 'target', cents);
    const otherSide = f > 1 !== below;
    if (otherSide && Math.abs(cents * f - part) / part < 1e-6) return cents;
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
    const hub = hubOracle(KEY);
    for (const truth of probeTargets(6, 11)) {
      const twin = twinOf(truth);
      expect(Math.abs(twin - truth) / truth).toBeGreaterThanOrEqual(0.3 - 1e-9);
      // Every question the adaptive probe asks of one, asked of the other, gets the same answer.
      const answers: boolean[][] = [[], []];
      for (const [i, total] of [truth, twin].entries()) {
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
    const b = await probe(exactRuleOracle, twin);
    expect(a.fromUpper).not.toEqual(b.fromUpper);
  });
});
