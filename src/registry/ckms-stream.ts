// The CKMS targeted-quantile stream ("Effective Computation of Biased Quantiles over Data
// Streams", Cormode, Korn, Muthukrishnan, Srivastava) as beorn7/perks v1.0.1 quantile.Stream
// computes it (NewTargeted), which is what client_golang's summaries, and so statsd_exporter's,
// query. Written from reading perks' quantile/stream.go; every arithmetic step is done in the
// same order with the same float64 operations, so the answers are Go's bit for bit.
//
// Layout: perks keeps []Sample{Value, Width, Delta} plus a 500-sample insertion buffer. Here the
// buffer holds values only (every buffered sample is {v, 1, 0}) and the compressed list is one
// Float64Array of (value, width, delta) triples. Both grow on demand (perks allocates the full
// buffer up front), so a series that saw few values stays small.
import { goSort } from './go-sort';

/** One a-priori quantile and its absolute error (a mapping's `quantile` / `error`). */
export interface Target {
  readonly quantile: number;
  readonly epsilon: number;
}

/** perks' insertion buffer: `make(Samples, 0, 500)`, flushed when full (independent of buf_cap). */
export const STREAM_BUFFER_CAP = 500;

const EMPTY = new Float64Array(0);

export class TargetedStream {
  /** Insertion buffer (values), `bufLen` used. */
  private buf: Float64Array = EMPTY;
  private bufLen = 0;
  private sorted = true;
  /** Compressed samples: value, width, delta at 3*i, 3*i+1, 3*i+2; `len` samples used. */
  private list: Float64Array = EMPTY;
  private len = 0;
  /** Total width of the compressed list (perks' stream.n). */
  private n = 0;

  /**
   * `targets` is shared by every stream of a summary and never changed. `bufferCap` is perks'
   * fixed 500; only tests pass a smaller one, to reach merge and compress with a few values.
   */
  constructor(
    private readonly targets: readonly Target[],
    private readonly bufferCap: number = STREAM_BUFFER_CAP,
  ) {}

  /** perks' targeted invariant ƒ(s, r): the allowed error at rank r. */
  private invariant(r: number): number {
    let m = Number.MAX_VALUE;
    const n = this.n;
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      let f: number;
      if (t.quantile * n <= r) f = (2 * t.epsilon * r) / t.quantile;
      else f = (2 * t.epsilon * (n - r)) / (1 - t.quantile);
      if (f < m) m = f;
    }
    return m;
  }

  insert(v: number): void {
    if (this.bufLen === this.buf.length) this.buf = grow(this.buf, this.bufLen, this.bufferCap);
    this.buf[this.bufLen++] = v;
    this.sorted = false;
    if (this.bufLen === this.bufferCap) this.flush();
  }

  /** Buffered plus merged samples (perks' Count). */
  count(): number {
    return this.bufLen + Math.trunc(this.n);
  }

  /** perks' Query: 0 on an empty stream (the summary asks only when count() > 0). */
  query(q: number): number {
    if (this.len === 0) {
      // Not flushed yet: the exact rank in the sorted buffer.
      const l = this.bufLen;
      if (l === 0) return 0;
      let i = Math.trunc(Math.ceil(l * q));
      if (i > 0) i -= 1;
      this.maybeSort();
      // Go indexes out of range (the scrape panics) for a quantile outside [0, 1]; clamp instead.
      if (i >= l) i = l - 1;
      else if (!(i >= 0)) i = 0;
      return this.buf[i];
    }
    this.flush();
    return this.queryList(q);
  }

  /** perks' Reset: empties buffer and list; the arrays are kept for reuse, as Go keeps them. */
  reset(): void {
    this.len = 0;
    this.n = 0;
    this.bufLen = 0;
  }

  /** The compressed list as [value, width, delta] triples (tests). */
  samples(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (let i = 0; i < this.len; i++) out.push([this.list[3 * i], this.list[3 * i + 1], this.list[3 * i + 2]]);
    return out;
  }

  /** Bytes held by the typed arrays (for the memory figure in the benchmarks). */
  get arrayBytes(): number {
    return this.buf.byteLength + this.list.byteLength;
  }

  private maybeSort(): void {
    if (!this.sorted) {
      this.sorted = true;
      goSort(this.buf, this.bufLen);
    }
  }

  private flush(): void {
    this.maybeSort();
    this.merge();
    this.bufLen = 0;
  }

  /** Merges the (sorted) buffer into the list, then compresses (perks' stream.merge). */
  private merge(): void {
    const buf = this.buf;
    let r = 0;
    let i = 0;
    for (let k = 0; k < this.bufLen; k++) {
      const v = buf[k];
      let inserted = false;
      for (; i < this.len; i++) {
        const c = 3 * i;
        if (this.list[c] > v) {
          // Before the first larger sample; delta from the invariant at the rank so far.
          const delta = Math.max(0, Math.floor(this.invariant(r)) - 1);
          this.insertAt(i, v, 1, delta);
          i++;
          inserted = true;
          break;
        }
        r += this.list[c + 1];
      }
      if (!inserted) {
        this.insertAt(this.len, v, 1, 0);
        i++;
      }
      this.n += 1;
      r += 1;
    }
    this.compress();
  }

  private insertAt(i: number, value: number, width: number, delta: number): void {
    if (this.len * 3 === this.list.length) this.list = grow(this.list, this.len * 3, Infinity, 24);
    const l = this.list;
    if (i < this.len) l.copyWithin(3 * i + 3, 3 * i, 3 * this.len);
    l[3 * i] = value;
    l[3 * i + 1] = width;
    l[3 * i + 2] = delta;
    this.len++;
  }

  private removeAt(i: number): void {
    this.list.copyWithin(3 * i, 3 * i + 3, 3 * this.len);
    this.len--;
  }

  /** perks' stream.compress: from the top, fold a sample into its successor while the invariant allows. */
  private compress(): void {
    if (this.len < 2) return;
    const l = this.list;
    let xi = this.len - 1;
    let r = this.n - 1 - l[3 * xi + 1];
    for (let i = this.len - 2; i >= 0; i--) {
      const cWidth = l[3 * i + 1];
      if (cWidth + l[3 * xi + 1] + l[3 * xi + 2] <= this.invariant(r)) {
        l[3 * xi + 1] += cWidth;
        this.removeAt(i);
        xi -= 1;
      } else {
        xi = i;
      }
      r -= cWidth;
    }
  }

  /** perks' stream.query on the compressed list. */
  private queryList(q: number): number {
    let t = Math.ceil(q * this.n);
    t += Math.ceil(this.invariant(t) / 2);
    const l = this.list;
    let p = 0;
    let r = 0;
    for (let c = 1; c < this.len; c++) {
      r += l[3 * p + 1];
      if (r + l[3 * c + 1] + l[3 * c + 2] > t) return l[3 * p];
      p = c;
    }
    return l[3 * p];
  }
}

/** A larger copy of `a` (first `used` entries), doubling from `first`, at most `cap` entries. */
function grow(a: Float64Array, used: number, cap: number, first = 8): Float64Array {
  const next = new Float64Array(Math.min(cap, Math.max(first, a.length * 2)));
  next.set(a.subarray(0, used));
  return next;
}
