// The CKMS targeted-quantile stream ("Effective Computation of Biased Quantiles over Data
// Streams", Cormode, Korn, Muthukrishnan, Srivastava) as beorn7/perks v1.0.1 quantile.Stream
// computes it (NewTargeted), which is what client_golang's summaries, and so statsd_exporter's,
// query. Written from reading perks' quantile/stream.go; every arithmetic step is done in the
// same order with the same float64 operations, so the answers are Go's bit for bit.
//
// Layout: perks keeps []Sample{Value, Width, Delta}. Here the compressed list is one Float64Array
// of (value, width, delta) triples, sized to what it holds: a merge is written into a scratch
// array shared by all series of a vector, compressed there, and only the result is kept (perks
// grows its list by the whole 500-value buffer on every merge and keeps that capacity).
// Perks' merge inserts each buffered value into the list in place; walking old list and sorted
// values side by side gives the same sequence, ranks and deltas. Perks' compress removes a
// sample by shifting the list; folding from the top and writing survivors downward gives the
// same survivors with the same widths.
import { goSort } from './go-sort';

/** One a-priori quantile and its absolute error (a mapping's `quantile` / `error`). */
export interface Target {
  readonly quantile: number;
  readonly epsilon: number;
}

/** perks' insertion buffer: `make(Samples, 0, 500)`, flushed when full (independent of buf_cap). */
export const STREAM_BUFFER_CAP = 500;

const EMPTY = new Float64Array(0);

/** Work arrays for merges and sorts, shared by the series of one vector (one thread, no reentry). */
export class CkmsScratch {
  values: Float64Array = EMPTY;
  triples: Float64Array = EMPTY;

  valuesFor(n: number): Float64Array {
    if (this.values.length < n) this.values = new Float64Array(Math.max(n, 64));
    return this.values;
  }

  triplesFor(n: number): Float64Array {
    if (this.triples.length < 3 * n) this.triples = new Float64Array(3 * Math.max(n, 64));
    return this.triples;
  }
}

/** The compressed part of a perks stream: samples, their total width n, the invariant. */
export class CkmsSamples {
  /** value, width, delta at 3*i, 3*i+1, 3*i+2; `len` samples. */
  private list: Float64Array = EMPTY;
  len = 0;
  /** Total width (perks' stream.n). */
  n = 0;

  constructor(private readonly targets: readonly Target[]) {}

  /** perks' targeted invariant ƒ(s, r): the allowed error at rank r. */
  private invariant(r: number, n: number): number {
    let m = Number.MAX_VALUE;
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

  /** perks' stream.merge of sorted[0:count] (each {v, 1, 0}) and the compress that follows it. */
  merge(sorted: Float64Array, count: number, scratch: CkmsScratch): void {
    const old = this.list;
    const oldLen = this.len;
    const out = scratch.triplesFor(oldLen + count);
    let o = 0;
    let j = 0;
    let r = 0;
    let n = this.n;
    for (let k = 0; k < count; k++) {
      const v = sorted[k];
      // Copy the old samples perks walks past (it stops at the first one greater than v).
      while (j < oldLen && !(old[3 * j] > v)) {
        out[o] = old[3 * j];
        out[o + 1] = old[3 * j + 1];
        out[o + 2] = old[3 * j + 2];
        r += old[3 * j + 1];
        o += 3;
        j++;
      }
      out[o] = v;
      out[o + 1] = 1;
      // Inserted before a larger sample: delta from the invariant at rank r (with n before v);
      // appended at the end: delta 0.
      out[o + 2] = j < oldLen ? Math.max(0, Math.floor(this.invariant(r, n)) - 1) : 0;
      o += 3;
      n += 1;
      r += 1;
    }
    for (; j < oldLen; j++, o += 3) {
      out[o] = old[3 * j];
      out[o + 1] = old[3 * j + 1];
      out[o + 2] = old[3 * j + 2];
    }
    this.n = n;
    this.keep(out, compress(out, o / 3, n, this), o / 3);
  }

  /** perks' compress on the list alone (a flush of an empty buffer still compresses). */
  compressOnly(): void {
    if (this.len < 2) return;
    const first = compress(this.list, this.len, this.n, this);
    this.list.copyWithin(0, 3 * first, 3 * this.len);
    this.len -= first;
  }

  /** Keeps triples [first, end) of `src` as the list, in an array sized to fit. */
  private keep(src: Float64Array, first: number, end: number): void {
    const len = end - first;
    if (this.list.length < 3 * len || this.list.length > 6 * len + 48) this.list = new Float64Array(3 * (len + (len >> 2) + 2));
    this.list.set(src.subarray(3 * first, 3 * end));
    this.len = len;
  }

  /** perks' stream.query on the compressed list (non-empty). */
  query(q: number): number {
    let t = Math.ceil(q * this.n);
    t += Math.ceil(this.invariant(t, this.n) / 2);
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

  reset(): void {
    this.len = 0;
    this.n = 0;
    if (this.list.length > 48) this.list = EMPTY;
  }

  /** [value, width, delta] per sample (tests). */
  samples(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (let i = 0; i < this.len; i++) out.push([this.list[3 * i], this.list[3 * i + 1], this.list[3 * i + 2]]);
    return out;
  }

  get byteLength(): number {
    return this.list.byteLength;
  }

  /** For compress(): the invariant with this list's n. */
  allowed(r: number, n: number): number {
    return this.invariant(r, n);
  }
}

/**
 * perks' stream.compress over triples [0, len) of `l`, in place: from the top, a sample folds
 * into the one above it (x) while c.width + x.width + x.delta <= ƒ(r). Survivors are written
 * downward from the top; returns the index of the first survivor (they fill [first, len)).
 */
function compress(l: Float64Array, len: number, n: number, s: CkmsSamples): number {
  if (len < 2) return 0;
  let w = len - 1;
  let xv = l[3 * w];
  let xw = l[3 * w + 1];
  let xd = l[3 * w + 2];
  let r = n - 1 - xw;
  for (let i = len - 2; i >= 0; i--) {
    const cv = l[3 * i];
    const cw = l[3 * i + 1];
    const cd = l[3 * i + 2];
    if (cw + xw + xd <= s.allowed(r, n)) {
      xw += cw;
    } else {
      l[3 * w] = xv;
      l[3 * w + 1] = xw;
      l[3 * w + 2] = xd;
      w--;
      xv = cv;
      xw = cw;
      xd = cd;
    }
    r -= cw;
  }
  l[3 * w] = xv;
  l[3 * w + 1] = xw;
  l[3 * w + 2] = xd;
  return w;
}

/**
 * perks' Stream: a 500-value insertion buffer in front of the samples. The summary keeps its
 * streams' buffers in one shared log instead (go-summary.ts); this is the stream on its own.
 */
export class TargetedStream {
  private buf: Float64Array = EMPTY;
  private bufLen = 0;
  private sorted = true;
  private readonly samplesList: CkmsSamples;

  /** `bufferCap` is perks' fixed 500; tests pass a smaller one to reach merge and compress by hand. */
  constructor(
    targets: readonly Target[],
    private readonly bufferCap: number = STREAM_BUFFER_CAP,
    private readonly scratch: CkmsScratch = new CkmsScratch(),
  ) {
    this.samplesList = new CkmsSamples(targets);
  }

  insert(v: number): void {
    if (this.bufLen === this.buf.length) this.buf = grow(this.buf, this.bufLen, this.bufferCap);
    this.buf[this.bufLen++] = v;
    this.sorted = false;
    if (this.bufLen === this.bufferCap) this.flush();
  }

  count(): number {
    return this.bufLen + Math.trunc(this.samplesList.n);
  }

  /** perks' Query: exact rank in the sorted buffer until the first flush, then the samples. */
  query(q: number): number {
    if (this.samplesList.len === 0) {
      const l = this.bufLen;
      if (l === 0) return 0;
      if (!this.sorted) {
        this.sorted = true;
        goSort(this.buf, l);
      }
      return this.buf[bufferRank(l, q)];
    }
    this.flush();
    return this.samplesList.query(q);
  }

  reset(): void {
    this.samplesList.reset();
    this.bufLen = 0;
  }

  samples(): [number, number, number][] {
    return this.samplesList.samples();
  }

  private flush(): void {
    if (!this.sorted) {
      this.sorted = true;
      goSort(this.buf, this.bufLen);
    }
    if (this.bufLen > 0) this.samplesList.merge(this.buf, this.bufLen, this.scratch);
    else this.samplesList.compressOnly();
    this.bufLen = 0;
  }
}

/**
 * perks' unflushed Query index: int(ceil(l*q)) - 1, not below 0. Go indexes out of range (the
 * scrape panics) for a quantile outside [0, 1]; here it is clamped instead.
 */
export function bufferRank(l: number, q: number): number {
  let i = Math.trunc(Math.ceil(l * q));
  if (i > 0) i -= 1;
  if (i >= l) return l - 1;
  return i >= 0 ? i : 0;
}

/** A larger copy of `a` (first `used` entries), doubling from 8, at most `cap` entries. */
export function grow(a: Float64Array, used: number, cap: number): Float64Array {
  const next = new Float64Array(Math.min(cap, Math.max(8, a.length * 2)));
  next.set(a.subarray(0, used));
  return next;
}
