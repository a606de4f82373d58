// One summary series as client_golang v1.20 (prometheus/summary.go, the `summary` type with
// objectives) keeps it: observations go to a hot buffer; the buffer is swapped out and flushed
// into every age stream when it is full, when an observation arrives after the hot buffer's
// expiry, and on every scrape (Write). Streams rotate when a flush finds the head stream's
// expiry behind the hot buffer's: the head is reset and the next (oldest) stream becomes the
// head. Count and sum move only on a flush, as in Go (a scrape flushes first, so it sees all).
// Written from reading summary.go; Go's goroutine for asyncFlush holds the lock until it is
// done, so running it inline gives the same order of events (and one hot buffer suffices: the
// cold one is always empty again before the next swap).
//
// Memory: every age stream receives every value, so each perks stream's 500-value insertion
// buffer is a suffix of the same history. The streams keep only where their buffer starts in
// one shared log (a ring of at most 512 values) and sort a copy when they flush. The one stream
// a scrape queries before its first flush (perks sorts that buffer in place, and the order of
// equal-comparing values such as NaN or ±0 then depends on it) gets a buffer of its own until
// it flushes or is reset.
import { bufferRank, CkmsSamples, CkmsScratch, grow, STREAM_BUFFER_CAP, type Target } from './ckms-stream';
import { goSort } from './go-sort';

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
  /** max_age / age_buckets, as Go's integer Duration division gives it, in nanoseconds. */
  readonly streamDurationNs: number;
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
    streamDurationNs: Math.trunc(maxAgeNs / ageBuckets),
    ageBuckets,
    bufCap: o.bufCap > 0 ? Math.trunc(o.bufCap) : DEF_BUF_CAP,
  };
}

const EMPTY = new Float64Array(0);

export class GoSummary {
  private hot: Float64Array = EMPTY;
  private hotLen = 0;
  /** Ring of the values given to the streams; absolute index a lives at a & (length - 1). */
  private log: Float64Array = EMPTY;
  /** Values given to the streams so far (the next absolute log index). */
  private inserted = 0;
  /**
   * The age streams, by index: where each one's buffer starts in the log, and its CKMS list,
   * created at its first merge and dropped on reset (a stream that never held 500 values, or
   * was never queried after that, needs none).
   */
  private readonly starts: number[];
  private readonly lists: (CkmsSamples | null)[];
  private headIdx = 0;
  /** The stream (only ever the head; -1 = none) whose buffer a query sorted in place, and that buffer. */
  private detached = -1;
  private own: Float64Array = EMPTY;
  private ownLen = 0;
  /** perks' `sorted` flag for `own`. */
  private ownSorted = true;
  /**
   * Expiry times as whole stream durations after creation (Go: createdAt + k * streamDuration,
   * reached by repeated Add). Counting steps keeps Go's `Equal` test exact.
   */
  private headSteps = 1;
  private hotSteps = 1;
  /**
   * The hot buffer's expiry in nanoseconds after creation. Compared with the elapsed time in
   * whole nanoseconds (exact below 2^53 ns, about 104 days): a sum of fractional milliseconds
   * would round, and e.g. 3 x 333333333 ns must stay below 1000 ms.
   */
  private hotExpNs: number;
  /** Flushed observations (Go's cnt and sum). */
  count = 0;
  sum = 0;

  constructor(
    private readonly shape: SummaryShape,
    private readonly createdMs: number,
    /** Shared by the series of one vector. */
    private readonly scratch: CkmsScratch = new CkmsScratch(),
  ) {
    this.starts = new Array<number>(shape.ageBuckets).fill(0);
    this.lists = new Array<CkmsSamples | null>(shape.ageBuckets).fill(null);
    this.hotExpNs = shape.streamDurationNs;
  }

  observe(v: number, nowMs: number): void {
    if ((nowMs - this.createdMs) * 1e6 > this.hotExpNs) this.asyncFlush(nowMs);
    if (this.hotLen === this.hot.length) this.hot = grow(this.hot, this.hotLen, this.shape.bufCap);
    this.hot[this.hotLen++] = v;
    if (this.hotLen === this.shape.bufCap) this.asyncFlush(nowMs);
  }

  /**
   * Go's Write: swap (even an empty hot buffer, to move its expiry), flush, then each quantile
   * of the head stream in ascending order (NaN when it holds nothing) into `out`.
   */
  write(nowMs: number, out: number[]): void {
    this.asyncFlush(nowMs);
    // Scrapes are far apart: an idle series should not keep a buffer of up to buf_cap values;
    // a busy one grows it again in a few doublings.
    this.hot = EMPTY;
    const head = this.headIdx;
    const qs = this.shape.sortedQuantiles;
    for (let i = 0; i < qs.length; i++) out[i] = this.streamCount(head) === 0 ? NaN : this.query(head, qs[i]);
    out.length = qs.length;
  }

  /** Bytes of the typed arrays this series holds (the benchmarks' memory figure). */
  get arrayBytes(): number {
    let b = this.hot.byteLength + this.log.byteLength + this.own.byteLength;
    for (const l of this.lists) b += l?.byteLength ?? 0;
    return b;
  }

  /** swapBufs then flushColdBuf (which ends with maybeRotateStreams). */
  private asyncFlush(nowMs: number): void {
    const elapsedNs = (nowMs - this.createdMs) * 1e6;
    while (elapsedNs > this.hotExpNs) {
      this.hotSteps++;
      this.hotExpNs = this.hotSteps * this.shape.streamDurationNs;
    }
    const hot = this.hot;
    for (let k = 0; k < this.hotLen; k++) {
      const v = hot[k];
      this.insert(v);
      this.count++;
      this.sum += v;
    }
    this.hotLen = 0;
    while (this.headSteps !== this.hotSteps) {
      // perks' Reset on the head, then the next stream is the head.
      this.lists[this.headIdx] = null;
      this.attach(this.headIdx);
      this.headIdx++;
      if (this.headIdx >= this.starts.length) this.headIdx = 0;
      this.headSteps++;
    }
  }

  /** Insert(v) on every stream, in order; a stream whose buffer reaches 500 flushes. */
  private insert(v: number): void {
    const starts = this.starts;
    let oldest = this.inserted;
    for (let i = 0; i < starts.length; i++) if (i !== this.detached && starts[i] < oldest) oldest = starts[i];
    if (this.inserted + 1 - oldest > this.log.length) this.growLog(this.inserted + 1 - oldest, oldest);
    this.log[this.inserted & (this.log.length - 1)] = v;
    this.inserted++;
    for (let i = 0; i < starts.length; i++) {
      if (i !== this.detached) {
        if (this.inserted - starts[i] === STREAM_BUFFER_CAP) this.flush(i);
        continue;
      }
      if (this.ownLen === this.own.length) this.own = grow(this.own, this.ownLen, STREAM_BUFFER_CAP);
      this.own[this.ownLen++] = v;
      this.ownSorted = false;
      if (this.ownLen === STREAM_BUFFER_CAP) this.flush(i);
    }
  }

  private growLog(span: number, oldest: number): void {
    let cap = 4;
    while (cap < span) cap *= 2;
    const next = new Float64Array(cap);
    const old = this.log;
    for (let a = oldest; a < this.inserted; a++) next[a & (cap - 1)] = old[a & (old.length - 1)];
    this.log = next;
  }

  /** perks' Count: buffered plus merged. */
  private streamCount(i: number): number {
    const list = this.lists[i];
    return (i !== this.detached ? this.inserted - this.starts[i] : this.ownLen) + (list === null ? 0 : Math.trunc(list.n));
  }

  /** perks' flush: sort the buffer, merge it (an empty one too: merge always compresses). */
  private flush(i: number): void {
    let buf: Float64Array;
    let len: number;
    if (i !== this.detached) {
      len = this.inserted - this.starts[i];
      buf = this.scratch.valuesFor(len);
      const log = this.log;
      const mask = log.length - 1;
      const start = this.starts[i];
      for (let k = 0; k < len; k++) buf[k] = log[(start + k) & mask];
      goSort(buf, len);
    } else {
      len = this.ownLen;
      buf = this.own;
      if (!this.ownSorted) goSort(buf, len);
    }
    let list = this.lists[i];
    if (len > 0) {
      if (list === null) list = this.lists[i] = new CkmsSamples(this.shape.targets);
      list.merge(buf, len, this.scratch);
    } else if (list !== null) {
      list.compressOnly();
    }
    this.attach(i);
  }

  /** perks' Query on a stream holding at least one value. */
  private query(i: number, q: number): number {
    const list = this.lists[i];
    if (list !== null && list.len > 0) {
      this.flush(i);
      return list.query(q);
    }
    // Not flushed yet: perks sorts the buffer in place and takes the exact rank.
    if (i !== this.detached) {
      const start = this.starts[i];
      const len = this.inserted - start;
      const mask = this.log.length - 1;
      if (len === 1) return this.log[start & mask];
      // Only the head is queried, and a rotation resets (re-attaches) the old head: at most one
      // stream is detached.
      const own = new Float64Array(Math.min(STREAM_BUFFER_CAP, Math.max(8, len + (len >> 1))));
      for (let k = 0; k < len; k++) own[k] = this.log[(start + k) & mask];
      this.detached = i;
      this.own = own;
      this.ownLen = len;
      this.ownSorted = false;
    }
    if (!this.ownSorted) {
      this.ownSorted = true;
      goSort(this.own, this.ownLen);
    }
    return this.own[bufferRank(this.ownLen, q)];
  }

  /** An empty buffer, read from the log again from the next value on. */
  private attach(i: number): void {
    if (i === this.detached) {
      this.detached = -1;
      this.own = EMPTY;
      this.ownLen = 0;
    }
    this.starts[i] = this.inserted;
  }
}
