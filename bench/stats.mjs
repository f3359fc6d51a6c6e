// Summaries of timing samples: percentiles by linear interpolation between the two closest
// ranks (as numpy's default), so p50 of an even count is the mean of the middle two.

/**
 * @param {number[]} sorted ascending
 * @param {number} p 0..100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** @param {number[]} samples durations in ms */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    mean,
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/** @param {number[]} samples */
export function median(samples) {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function since(start) {
  return performance.now() - start;
}
