// One summary series as client_golang v1.20 (prometheus/summary.go, the `summary` type with
// objectives) keeps it: observations go to a hot buffer; the buffer is swapped out and flushed
// into every age stream when it is full, when an observation arrives after the hot buffer's
// expiry, and on every scrape (Write). Streams rotate when a flush finds the head stream's
// expiry behind the hot buffer's: the head is reset and the next (oldest) stream becomes the
// head. Count and sum move only on a flush, as in Go (a scrape flushes first, so it sees all).
// Written from reading summary.go; Go's goroutine for asyncFlush holds the lock until it is
// done, so running it inline gives the same order of events.
import { TargetedStream, type Target } from './ckms-stream';

/** client_golang's DefMaxAge, DefAgeBuckets, DefBufCap (used when the mapping says 0). */
export const DEF_MAX_AGE_SECONDS = 600;
export const DEF_AGE_BUCKETS = 5;
export const DEF_BUF_CAP = 500;

/** statsd_exporter's objectives when a mapping gives no quantiles (pkg/registry). */
export const DEFAULT_OBJECTIVES: readonly Target[] = Object.freeze([
  Object.freeze({ quantile: 0.5, epsilon: 0.05 }),
  Object.freeze({ quantile: 0.9, epsilon: 0.01 }),
  Object.freeze({ quantile: 0.99, epsilon: 0.001 }),
]);

/** What every series of one summary vector shares; decided once, at vector creation. */
export interface SummaryShape {
  /** The objectives, one per distinct quantile (the last error given for a quantile wins, as Go's map does). */
  readonly targets: readonly Target[];
  /** The distinct quantiles ascending (client_golang's sortedObjectives). */
  readonly sortedQuantiles: readonly number[];
  /** max_age / age_buckets, as Go's integer Duration division gives it, in milliseconds. */
  readonly streamDurationMs: number;
  readonly ageBuckets: number;
  readonly bufCap: number;
}

export interface SummaryShapeOptions {
  quantiles: readonly { quantile: number; error: number }[];
  /** 0 = DefMaxAge. */
  maxAgeSeconds: number;
  /** 0 = DefAgeBuckets. */
  ageBuckets: number;
  /** 0 = DefBufCap. */
  bufCap: number;
}

export function summaryShape(o: SummaryShapeOptions): SummaryShape {
  const byQuantile = new Map<number, number>();
  for (const q of o.quantiles) byQuantile.set(q.quantile, q.error);
  const targets: Target[] = byQuantile.size === 0 ? [...DEFAULT_OBJECTIVES] : [...byQuantile].map(([quantile, epsilon]) => ({ quantile, epsilon }));
  // Go's sort.Float64s: ascending (NaN first; a NaN quantile is not something a mapping can mean).
  const sortedQuantiles = targets.map((t) => t.quantile).sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const maxAgeNs = Math.round((o.maxAgeSeconds > 0 ? o.maxAgeSeconds : DEF_MAX_AGE_SECONDS) * 1e9);
  const ageBuckets = o.ageBuckets > 0 ? Math.trunc(o.ageBuckets) : DEF_AGE_BUCKETS;
  return {
    targets: Object.freeze(targets),
    sortedQuantiles: Object.freeze(sortedQuantiles),
    streamDurationMs: Math.trunc(maxAgeNs / ageBuckets) / 1e6,
    ageBuckets,
    bufCap: o.bufCap > 0 ? Math.trunc(o.bufCap) : DEF_BUF_CAP,
  };
}

const EMPTY = new Float64Array(0);

export class GoSummary {
  private hot: Float64Array = EMPTY;
  private hotLen = 0;
  private cold: Float64Array = EMPTY;
  private coldLen = 0;
  private readonly streams: TargetedStream[];
  private headIdx = 0;
  /**
   * Expiry times as whole stream durations after creation (Go: createdAt + k * streamDuration,
   * reached by repeated Add). Counting steps keeps Go's `Equal` test exact.
   */
  private headSteps = 1;
  private hotSteps = 1;
  private hotExpMs: number;
  /** Flushed observations (Go's cnt and sum). */
  count = 0;
  sum = 0;

  constructor(
    private readonly shape: SummaryShape,
    private readonly createdMs: number,
  ) {
    this.streams = new Array<TargetedStream>(shape.ageBuckets);
    for (let i = 0; i < shape.ageBuckets; i++) this.streams[i] = new TargetedStream(shape.targets);
    this.hotExpMs = createdMs + shape.streamDurationMs;
  }

  observe(v: number, nowMs: number): void {
    if (nowMs > this.hotExpMs) this.asyncFlush(nowMs);
    if (this.hotLen === this.hot.length) this.hot = grow(this.hot, this.hotLen, this.shape.bufCap);
    this.hot[this.hotLen++] = v;
    if (this.hotLen === this.shape.bufCap) this.asyncFlush(nowMs);
  }

  /**
   * Go's Write: swap (even an empty hot buffer, to move its expiry), flush, then each quantile
   * of the head stream in ascending order (NaN when it holds nothing) into `out`.
   */
  write(nowMs: number, out: number[]): void {
    this.swapBufs(nowMs);
    this.flushColdBuf();
    const head = this.streams[this.headIdx];
    const qs = this.shape.sortedQuantiles;
    for (let i = 0; i < qs.length; i++) out[i] = head.count() === 0 ? NaN : head.query(qs[i]);
    out.length = qs.length;
  }

  /** Bytes of the typed arrays this series holds (the benchmarks' memory figure). */
  get arrayBytes(): number {
    let b = this.hot.byteLength + this.cold.byteLength;
    for (const s of this.streams) b += s.arrayBytes;
    return b;
  }

  private asyncFlush(nowMs: number): void {
    this.swapBufs(nowMs);
    this.flushColdBuf();
  }

  private swapBufs(nowMs: number): void {
    // The cold buffer is always empty here: every swap is followed by its flush.
    const hot = this.hot;
    this.hot = this.cold;
    this.cold = hot;
    this.coldLen = this.hotLen;
    this.hotLen = 0;
    while (nowMs > this.hotExpMs) {
      this.hotSteps++;
      this.hotExpMs = this.createdMs + this.hotSteps * this.shape.streamDurationMs;
    }
  }

  private flushColdBuf(): void {
    const cold = this.cold;
    const streams = this.streams;
    for (let k = 0; k < this.coldLen; k++) {
      const v = cold[k];
      for (let i = 0; i < streams.length; i++) streams[i].insert(v);
      this.count++;
      this.sum += v;
    }
    this.coldLen = 0;
    this.maybeRotateStreams();
  }

  private maybeRotateStreams(): void {
    while (this.headSteps !== this.hotSteps) {
      this.streams[this.headIdx].reset();
      this.headIdx++;
      if (this.headIdx >= this.streams.length) this.headIdx = 0;
      this.headSteps++;
    }
  }
}

function grow(a: Float64Array, used: number, cap: number): Float64Array {
  const next = new Float64Array(Math.min(cap, Math.max(8, a.length * 2)));
  next.set(a.subarray(0, used));
  return next;
}
