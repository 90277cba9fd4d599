/**
 * Run-time and wait-time statistics: piscina's histogram summaries (average, mean, stddev, min,
 * max and percentiles p0_001 ... p99_999), all in milliseconds.
 *
 * A log-linear histogram in the manner of HdrHistogram (G. Tene): values are recorded in
 * nanoseconds into buckets of SUB_BUCKETS per power of two, so a percentile is exact to within
 * 1/SUB_BUCKETS (under 1.6 %) at any magnitude, recording is a few arithmetic operations and one
 * array increment (cheaper than a call into perf_hooks' native histogram at ~100k records/s), and
 * memory is fixed. Count, sum, sum of squares, min and max are kept exactly.
 *
 * As piscina's (perf_hooks histograms of whole microseconds): a value under 1 µs is recorded as
 * 1 µs (a task cannot take or wait no time at all), and an empty histogram's mean, average and
 * stddev are NaN (there is no mean of nothing); its min, max and percentiles are 0.
 */

/** The smallest value recorded, in ms: 1 µs, piscina's resolution. */
const FLOOR_MS = 0.001;

/** Buckets per power of two (precision 1/64). */
const SUB_BUCKETS = 64;
const SUB_BITS = 6;
/** Powers of two covered: 2^47 ns is about 39 hours. */
const MAGNITUDES = 48;

/** A histogram's summary, in ms, as piscina's `runTime` and `waitTime`: mean, spread, extremes and percentiles. */
export interface HistogramSummary {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  p0_001: number;
  p0_01: number;
  p0_1: number;
  p1: number;
  p2_5: number;
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
  p97_5: number;
  p99: number;
  p99_9: number;
  p99_99: number;
  p99_999: number;
}

const PERCENTILES: [keyof HistogramSummary, number][] = [
  ['p0_001', 0.001],
  ['p0_01', 0.01],
  ['p0_1', 0.1],
  ['p1', 1],
  ['p2_5', 2.5],
  ['p10', 10],
  ['p25', 25],
  ['p50', 50],
  ['p75', 75],
  ['p90', 90],
  ['p97_5', 97.5],
  ['p99', 99],
  ['p99_9', 99.9],
  ['p99_99', 99.99],
  ['p99_999', 99.999],
];

function bucketOf(ns: number): number {
  if (ns < 2 * SUB_BUCKETS) return ns;
  if (ns < 2147483648) {
    const e = 31 - Math.clz32(ns) - SUB_BITS;
    return e * SUB_BUCKETS + (ns >> e);
  }
  const e = Math.floor(Math.log2(ns)) - SUB_BITS;
  return e * SUB_BUCKETS + Math.floor(ns / 2 ** e);
}

/** Lowest value (ns) that falls in bucket `b`. */
function bucketValue(b: number): number {
  if (b < 2 * SUB_BUCKETS) return b;
  const e = Math.floor(b / SUB_BUCKETS) - 1;
  return (b - e * SUB_BUCKETS) * 2 ** e;
}

export class Histogram {
  readonly #counts = new Float64Array((MAGNITUDES + 2) * SUB_BUCKETS);
  #count = 0;
  #sum = 0;
  #sumSq = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Records one value in milliseconds (values under 1 µs, and negative ones, count as 1 µs). */
  record(ms: number): void {
    const v = Math.max(ms || 0, FLOOR_MS); // NaN counts as 0
    const ns = v < 2000 ? (v * 1e6) | 0 : Math.min(Math.round(v * 1e6), 2 ** (MAGNITUDES + SUB_BITS) - 1);
    this.#counts[bucketOf(ns)]++;
    this.#count++;
    this.#sum += v;
    this.#sumSq += v * v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#count;
  }

  get mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sum / this.#count;
  }

  /** Value (ms) below or at which `p` percent of the recorded values fall. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    const counts = this.#counts;
    for (let b = 0; b < counts.length; b++) {
      seen += counts[b];
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, bucketValue(b) / 1e6));
    }
    return this.#max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#sumSq = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
  }

  summary(): HistogramSummary {
    const n = this.#count;
    const mean = this.mean;
    const variance = n === 0 ? Number.NaN : Math.max(0, this.#sumSq / n - mean * mean);
    const out = {
      average: mean,
      mean,
      stddev: Math.sqrt(variance),
      min: n === 0 ? 0 : this.#min,
      max: n === 0 ? 0 : this.#max,
    } as HistogramSummary;
    for (const [key, p] of PERCENTILES) out[key] = this.percentile(p);
    return out;
  }
}
