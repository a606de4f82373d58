// Native (sparse, exponential) histogram buckets, computed the way client_golang v1.20.3 computes
// them for statsd_exporter, so a protobuf scrape of the bridge carries the same schema, zero
// bucket, spans and deltas as one of statsd_exporter for the same observations.
//
// Buckets of schema s grow by a factor of 2^(2^-s); bucket `key` holds the values in
// (2^((key-1)/2^s), 2^(key/2^s)] (negative values mirrored into their own buckets). Values with
// |v| <= the zero threshold go to the zero bucket. When more than maxBuckets buckets are
// populated, the zero bucket is widened (only up to maxZeroThreshold, which statsd_exporter leaves
// at 0, so never) or else the resolution is halved (schema - 1, down to -4), as client_golang does
// with NativeHistogramMinResetDuration = 0 (statsd_exporter's setting: no periodic reset).
//
// The Go type keeps two copies of its counts (hot and cold) for lock-free observation; one copy
// is enough single-threaded, and the observable results are the same.
import { NATIVE_FRACTION_BOUNDS } from './native-bounds';

/** prometheus.DefNativeHistogramZeroThreshold: 2^-128. */
export const DEFAULT_NATIVE_ZERO_THRESHOLD = 2.938735877055719e-39;
const MIN_SCHEMA = -4;
const MAX_SCHEMA = 8;

/** What a histogram vector decided once, at construction, about its native buckets. */
export interface NativeHistogramSpec {
  readonly schema: number;
  readonly zeroThreshold: number;
  /** 0 = unlimited. */
  readonly maxBuckets: number;
  /** How far the zero bucket may be widened to stay within maxBuckets (0: never). */
  readonly maxZeroThreshold: number;
}

export interface NativeHistogramOptions {
  /** > 1 turns native buckets on (HistogramOpts.NativeHistogramBucketFactor). */
  bucketFactor: number;
  maxBuckets: number;
  /** 0 = the default 2^-128; negative = a zero bucket for exact zeros only. */
  zeroThreshold?: number;
  maxZeroThreshold?: number;
}

/** The native bucket layout for these options, or null when they turn native buckets off. */
export function nativeHistogramSpec(o: NativeHistogramOptions): NativeHistogramSpec | null {
  // `!(f > 1)` also turns them off for NaN (Go would compute a nonsense schema from it).
  if (!(o.bucketFactor > 1)) return null;
  const zt = o.zeroThreshold ?? 0;
  return {
    schema: pickSchema(o.bucketFactor),
    zeroThreshold: zt > 0 ? zt : zt === 0 ? DEFAULT_NATIVE_ZERO_THRESHOLD : 0,
    maxBuckets: o.maxBuckets > 0 ? o.maxBuckets : 0,
    maxZeroThreshold: o.maxZeroThreshold ?? 0,
  };
}

/** The largest schema n in [-4, 8] with 2^(2^-n) <= factor (8 for factors closer to 1). */
export function pickSchema(bucketFactor: number): number {
  const floor = Math.floor(Math.log2(Math.log2(bucketFactor)));
  if (floor <= -MAX_SCHEMA) return MAX_SCHEMA;
  if (floor >= -MIN_SCHEMA) return MIN_SCHEMA;
  return 0 - floor;
}

/** One span of consecutive buckets: `offset` from the end of the previous span (or from key 0). */
export interface BucketSpan {
  offset: number;
  length: number;
}

export interface SparseBuckets {
  spans: BucketSpan[];
  /** Each bucket's count minus the previous bucket's (the first one minus 0). */
  deltas: number[];
}

/** One series' native buckets. */
export class NativeHistogram {
  schema: number;
  zeroThreshold: number;
  zeroCount = 0;
  readonly positive = new Map<number, number>();
  readonly negative = new Map<number, number>();

  constructor(
    private readonly spec: NativeHistogramSpec,
    private readonly frexp: Frexp,
  ) {
    this.schema = spec.schema;
    this.zeroThreshold = spec.zeroThreshold;
  }

  /** Counts one observation (NaN is not counted in any bucket, as in Go). */
  observe(value: number): void {
    if (Number.isNaN(value)) return;
    let v = value;
    let inf = false;
    if (v === Infinity || v === -Infinity) {
      // ±Inf goes one bucket past the one holding ±MaxFloat64.
      v = v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
      inf = true;
    }
    if (v > this.zeroThreshold) add(this.positive, this.key(v) + (inf ? 1 : 0), 1);
    else if (v < -this.zeroThreshold) add(this.negative, this.key(-v) + (inf ? 1 : 0), 1);
    else this.zeroCount++;
    const max = this.spec.maxBuckets;
    if (max > 0 && this.positive.size + this.negative.size > max) {
      if (!this.widenZeroBucket()) this.doubleBucketWidth();
    }
  }

  /** The bucket key of |v| > 0 at the current schema. */
  private key(abs: number): number {
    const exp = this.frexp.exp(abs);
    const frac = this.frexp.frac;
    const schema = this.schema;
    if (schema > 0) {
      const bounds = NATIVE_FRACTION_BOUNDS[schema];
      return searchBounds(bounds, frac) + (exp - 1) * bounds.length;
    }
    // A power of two lies at the top of its bucket.
    const key = frac === 0.5 ? exp - 1 : exp;
    const shift = -schema;
    return (key + ((1 << shift) - 1)) >> shift;
  }

  /** Moves the bucket(s) closest to zero into the zero bucket, if maxZeroThreshold allows. */
  private widenZeroBucket(): boolean {
    const limit = this.spec.maxZeroThreshold;
    if (this.zeroThreshold >= limit) return false;
    let smallest = Infinity;
    for (const k of this.positive.keys()) if (k < smallest) smallest = k;
    for (const k of this.negative.keys()) if (k < smallest) smallest = k;
    if (smallest === Infinity) return false;
    const threshold = bucketUpperBound(smallest, this.schema);
    if (threshold > limit) return false;
    this.zeroThreshold = threshold;
    this.zeroCount += (this.positive.get(smallest) ?? 0) + (this.negative.get(smallest) ?? 0);
    this.positive.delete(smallest);
    this.negative.delete(smallest);
    return true;
  }

  /** Halves the resolution: buckets 2k-1 and 2k of the old schema become bucket k. */
  private doubleBucketWidth(): void {
    if (this.schema === MIN_SCHEMA) return;
    this.schema--;
    for (const m of [this.positive, this.negative]) {
      const old = [...m];
      m.clear();
      for (const [k, n] of old) add(m, Math.ceil(k / 2), n);
    }
  }

  get bucketCount(): number {
    return this.positive.size + this.negative.size;
  }

  positiveBuckets(): SparseBuckets {
    return sparseBuckets(this.positive);
  }

  negativeBuckets(): SparseBuckets {
    return sparseBuckets(this.negative);
  }
}

function add(m: Map<number, number>, key: number, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

/** The first index whose bound is >= frac (Go's sort.SearchFloat64s). */
function searchBounds(bounds: readonly number[], frac: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] < frac) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Spans and deltas of populated buckets in key order. A gap of one or two empty buckets is written
 * as zero-count buckets inside the span rather than as a new span (client_golang's trade-off).
 */
export function sparseBuckets(m: ReadonlyMap<number, number>): SparseBuckets {
  const spans: BucketSpan[] = [];
  const deltas: number[] = [];
  if (m.size === 0) return { spans, deltas };
  const keys = [...m.keys()].sort((a, b) => a - b);
  let prev = 0;
  let next = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const gap = k - next;
    if (i === 0 || gap > 2) spans.push({ offset: gap, length: 0 });
    else {
      for (let j = 0; j < gap; j++) {
        spans[spans.length - 1].length++;
        deltas.push(0 - prev);
        prev = 0;
      }
    }
    const count = m.get(k)!;
    spans[spans.length - 1].length++;
    deltas.push(count - prev);
    prev = count;
    next = k + 1;
  }
  return { spans, deltas };
}

/** The upper bound of bucket `key` at `schema` (client_golang's getLe). */
export function bucketUpperBound(key: number, schema: number): number {
  if (schema < 0) {
    const exp = key * 2 ** -schema;
    // The bucket below the ±Inf one ends at MaxFloat64, not at 2^1024 (= +Inf in float64).
    if (exp === 1024) return Number.MAX_VALUE;
    return ldexp(1, exp);
  }
  const n = 1 << schema;
  const frac = NATIVE_FRACTION_BOUNDS[schema][key & (n - 1)];
  const exp = Math.floor(key / n) + 1;
  if (frac === 0.5 && exp === 1025) return Number.MAX_VALUE;
  return ldexp(frac, exp);
}

/** frac * 2^exp without the intermediate 2^exp overflowing or underflowing. */
function ldexp(frac: number, exp: number): number {
  if (exp > 1000) return frac * 2 ** 1000 * 2 ** (exp - 1000);
  if (exp < -1000) return frac * 2 ** -1000 * 2 ** (exp + 1000);
  return frac * 2 ** exp;
}

/**
 * Go's math.Frexp for finite v > 0: v = frac * 2^exp with frac in [0.5, 1). Reads the float's
 * bits (exact, unlike log2); one per histogram vector, so no state is shared between vectors.
 */
export class Frexp {
  private readonly view = new DataView(new ArrayBuffer(8));
  /** The fraction of the last exp() call. */
  frac = 0;

  exp(v: number): number {
    const view = this.view;
    view.setFloat64(0, v);
    let biased = (view.getUint32(0) >>> 20) & 0x7ff;
    let shift = 0;
    if (biased === 0) {
      // Subnormal: scale into the normal range first.
      view.setFloat64(0, v * 2 ** 64);
      biased = (view.getUint32(0) >>> 20) & 0x7ff;
      shift = 64;
    }
    // Same mantissa, exponent field set to 2^-1: the value in [0.5, 1).
    view.setUint32(0, (view.getUint32(0) & 0x800fffff) | (1022 << 20));
    this.frac = view.getFloat64(0);
    return biased - 1022 - shift;
  }
}
