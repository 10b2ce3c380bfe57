/**
 * Small statistics helpers for the benchmarks: percentiles over samples and
 * medians over repeated runs.
 *
 * @module
 */

/**
 * The `p`-th percentile (0–100) of `values`, by the nearest-rank method.
 * Returns NaN for no values. Sorts a copy.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50); // 2
 * percentile([1, 2, 3, 4], 99); // 4
 * ```
 */
export function percentile(
  values: ArrayLike<number>,
  p: number,
): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, p);
}

/** Like {@linkcode percentile} for values already sorted ascending. */
export function percentileOfSorted(
  sorted: ArrayLike<number>,
  p: number,
): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] as number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid] as number
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** p50 and p99 of a sample set. */
export interface Percentiles {
  p50: number;
  p99: number;
  n: number;
}

/** p50 and p99 of `values`. */
export function summarize(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    n: sorted.length,
  };
}

/** Concatenates sample arrays. */
export function concat(parts: readonly Float64Array[]): Float64Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Rounds to `digits` decimals (for the JSON report). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
