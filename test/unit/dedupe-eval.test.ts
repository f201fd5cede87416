// Regression guard for organisation linking quality on the labelled set (see BENCHMARKS.md).
import { describe, expect, it } from 'vitest';
import { evaluate, evaluateCorpus } from '../../eval/dedupe-eval.ts';

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

describe('linking on the generated multi-funder corpus', async () => {
  const corpus = await evaluateCorpus(3000);

  it('meets the organisation targets: precise automatic links, 90% found once the review band is counted', () => {
    expect(corpus.organisationLinks.precisionAuto).toBeGreaterThanOrEqual(0.98);
    expect(corpus.organisationLinks.precisionIdentifier).toBeGreaterThanOrEqual(0.995);
    expect(corpus.organisationLinks.clusterRecallWithReview).toBeGreaterThanOrEqual(0.9);
  });

  it('never links separate money and counts every linked dollar once', () => {
    expect(corpus.grantLinks.separateMoneyLinked).toEqual({ coFunding: 0, renewals: 0, secondProjects: 0 });
    expect(corpus.grantLinks.recall).toBeGreaterThanOrEqual(0.99);
    expect(corpus.grantLinks.countedTotal).toBe(corpus.grantLinks.trueTotal);
    expect(corpus.grantLinks.naiveTotal).toBeGreaterThan(corpus.grantLinks.trueTotal);
  });
});
