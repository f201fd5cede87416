// Regression guard for organisation linking quality on the labelled set (see BENCHMARKS.md).
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../eval/dedupe-eval.ts';

describe('organisation linking on the labelled set', () => {
  const result = evaluate();

  it('compares far fewer pairs than all pairs (blocking works)', () => {
    expect(result.candidatePairs).toBeLessThan(result.allPairs / 20);
  });

  it('keeps identifier-based links exact and finds at least 90% of true pairs with the review band', () => {
    expect(result.precisionIdentifier).toBeGreaterThanOrEqual(0.995);
    expect(result.recallWithReview).toBeGreaterThanOrEqual(0.9);
  });
});
