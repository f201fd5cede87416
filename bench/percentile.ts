// The value below which a share `p` (0-1) of the sorted samples fall: p50, p95 and the like.
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
