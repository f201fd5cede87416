// A small deterministic random source, so generated data and injected faults are the same on every run.

/**
 * Mulberry32: numbers in [0, 1), the same sequence for the same seed. (A plain linear congruential generator
 * repeated itself within a few thousand draws when its outputs were used as small choices.)
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
