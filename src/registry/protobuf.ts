// The protobuf exposition format (io.prometheus.client.MetricFamily, client_model v0.6.1, each
// message length-delimited): the only format that carries native histograms. A small encoder of
// our own for the handful of messages of metrics.proto, writing straight from the series (see
// README "Decisions" for why not protobufjs). Fields are written as client_golang writes them:
// every optional field it sets, repeated scalars unpacked (proto2), label pairs sorted by name.
import type { Registry } from 'prom-client';
import type { Labels } from '../line/events';
import { CounterVector } from './counter';
import { GaugeVector } from './gauge';
import { HistogramVector } from './histogram';
import type { NativeHistogram, SparseBuckets } from './native-histogram';
import type { SampleValue, SeriesVector } from './types';

const enum MetricType {
  Counter = 0,
  Gauge = 1,
  Summary = 2,
  Untyped = 3,
  Histogram = 4,
}

/** Time the encoder may run before it yields to the event loop once (exposition.ts's figure). */
const YIELD_AFTER_MS = 10;

const TYPES: Record<string, MetricType> = { counter: 0, gauge: 1, summary: 2, untyped: 3, histogram: 4, set: 1 };

/** A growable byte buffer with the protobuf wire primitives. */
export class ProtoWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private text = Buffer.from(this.buf.buffer);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.text = Buffer.from(next.buffer);
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wireType: 0 | 1 | 2): void {
    this.varint((field << 3) | wireType);
  }

  uint(field: number, n: number): void {
    this.tag(field, 0);
    this.varint(n);
  }

  /** sint32/sint64 (zigzag). */
  sint(field: number, n: number): void {
    this.tag(field, 0);
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    this.tag(field, 2);
    // Room for the longest UTF-8 form, then the length written before the bytes.
    const max = s.length * 3;
    this.ensure(max + 10);
    const lenPos = this.pos;
    const lenBytes = varintSize(max);
    const written = this.text.write(s, lenPos + lenBytes, 'utf8');
    this.finishLength(lenPos, lenBytes, written);
  }

  /** Starts a length-delimited field; returns a mark for end(). */
  begin(field: number): number {
    if (field > 0) this.tag(field, 2);
    this.ensure(1);
    const mark = this.pos;
    // One byte reserved for the length: most messages (labels, buckets, spans) are shorter than
    // 128 bytes, so only the larger ones are moved when end() knows their length.
    this.pos += 1;
    return mark;
  }

  end(mark: number): void {
    this.finishLength(mark, 1, this.pos - mark - 1);
  }

  private finishLength(at: number, reserved: number, length: number): void {
    const need = varintSize(length);
    const bodyStart = at + reserved;
    if (need !== reserved) {
      if (need > reserved) this.ensure(need - reserved);
      this.buf.copyWithin(at + need, bodyStart, bodyStart + length);
    }
    let p = at;
    let n = length;
    while (n >= 0x80) {
      this.buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[p] = n;
    this.pos = at + need + length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

interface FamilyLike {
  readonly name: string;
  readonly help: string;
  readonly kind: string;
  readonly vectors: Map<string, SeriesVector>;
}

function isFamily(f: unknown): f is FamilyLike {
  return typeof f === 'object' && f !== null && (f as FamilyLike).vectors instanceof Map;
}

/** Encodes every family of the bridged-series registry, in registration order (as the text). */
export async function encodeSeriesRegistry(registry: Registry, w: ProtoWriter): Promise<void> {
  let slice = Date.now();
  for (const f of registry.getMetricsAsArray() as unknown[]) {
    // As the text writer: a large scrape yields to the event loop now and then (the UDP socket).
    if (Date.now() - slice >= YIELD_AFTER_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = Date.now();
    }
    if (!isFamily(f)) continue;
    const mark = w.begin(0);
    w.string(1, f.name);
    w.string(2, f.help);
    w.uint(3, TYPES[f.kind] ?? MetricType.Untyped);
    for (const v of f.vectors.values()) await encodeVector(f, v, w);
    w.end(mark);
  }
}

async function encodeVector(f: FamilyLike, v: SeriesVector, w: ProtoWriter): Promise<void> {
  if (v instanceof CounterVector || v instanceof GaugeVector) {
    const field = v instanceof CounterVector ? 3 : 2;
    for (const s of v.all()) {
      const m = w.begin(4);
      labelPairs(w, s.labels);
      const inner = w.begin(field);
      w.double(1, s.value);
      w.end(inner);
      w.end(m);
    }
    return;
  }
  if (v instanceof HistogramVector) {
    const bounds = v.upperBounds;
    for (const s of v.all()) {
      const m = w.begin(4);
      labelPairs(w, s.labels);
      const h = w.begin(7);
      w.uint(1, s.count);
      w.double(2, s.sum);
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += s.counts[i];
        const b = w.begin(3);
        w.uint(1, cumulative);
        w.double(2, bounds[i]);
        w.end(b);
      }
      if (s.native !== null) nativeFields(w, s.native);
      w.end(h);
      w.end(m);
    }
    return;
  }
  // Summaries and sets: from the samples collect() gives (the same call the text format makes).
  const samples: SampleValue[] = [];
  await v.collect(samples);
  encodeSamples(w, f.name, f.kind === 'summary' ? MetricType.Summary : MetricType.Gauge, samples);
}

function nativeFields(w: ProtoWriter, n: NativeHistogram): void {
  w.sint(5, n.schema);
  w.double(6, n.zeroThreshold);
  w.uint(7, n.zeroCount);
  const neg = n.negativeBuckets();
  const pos = n.positiveBuckets();
  spans(w, 9, 10, neg);
  // A native histogram with nothing outside a zero-width zero bucket gets a no-op span, or it
  // would look like a classic one.
  if (n.zeroThreshold === 0 && n.zeroCount === 0 && pos.spans.length === 0 && neg.spans.length === 0) {
    pos.spans.push({ offset: 0, length: 0 });
  }
  spans(w, 12, 13, pos);
}

function spans(w: ProtoWriter, spanField: number, deltaField: number, b: SparseBuckets): void {
  for (const s of b.spans) {
    const m = w.begin(spanField);
    w.sint(1, s.offset);
    w.uint(2, s.length);
    w.end(m);
  }
  for (const d of b.deltas) w.sint(deltaField, d);
}

function labelPairs(w: ProtoWriter, labels: Labels | Record<string, string | number>): void {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  for (const k of names) {
    const m = w.begin(1);
    w.string(1, k);
    w.string(2, String(labels[k]));
    w.end(m);
  }
}

/** Samples of one family as prom-client describes them (getMetricsAsJSON / collect()). */
function encodeSamples(w: ProtoWriter, name: string, type: MetricType, samples: readonly SampleValue[]): void {
  if (type === MetricType.Counter || type === MetricType.Gauge || type === MetricType.Untyped) {
    const field = type === MetricType.Counter ? 3 : type === MetricType.Gauge ? 2 : 5;
    for (const s of samples) {
      const m = w.begin(4);
      labelPairs(w, s.labels ?? {});
      const inner = w.begin(field);
      w.double(1, s.value);
      w.end(inner);
      w.end(m);
    }
    return;
  }
  // Histograms and summaries: group the _bucket/quantile, _sum and _count samples by series.
  const special = type === MetricType.Histogram ? 'le' : 'quantile';
  const bySeries = new Map<string, { labels: Record<string, string | number>; points: [number, number][]; sum: number; count: number }>();
  for (const s of samples) {
    const labels: Record<string, string | number> = { ...(s.labels ?? {}) };
    const point = labels[special];
    delete labels[special];
    const key = JSON.stringify(Object.keys(labels).sort().map((k) => [k, String(labels[k])]));
    let series = bySeries.get(key);
    if (!series) bySeries.set(key, (series = { labels, points: [], sum: 0, count: 0 }));
    const metricName = s.metricName ?? name;
    if (metricName === `${name}_sum`) series.sum = s.value;
    else if (metricName === `${name}_count`) series.count = s.value;
    else if (point !== undefined) series.points.push([point === '+Inf' ? Infinity : Number(point), s.value]);
  }
  for (const s of bySeries.values()) {
    const m = w.begin(4);
    labelPairs(w, s.labels);
    if (type === MetricType.Histogram) {
      const h = w.begin(7);
      w.uint(1, s.count);
      w.double(2, s.sum);
      for (const [le, cumulative] of s.points) {
        if (le === Infinity) continue; // The +Inf bucket is sample_count.
        const b = w.begin(3);
        w.uint(1, cumulative);
        w.double(2, le);
        w.end(b);
      }
      w.end(h);
    } else {
      const sm = w.begin(4);
      w.uint(1, s.count);
      w.double(2, s.sum);
      for (const [q, value] of s.points) {
        const qm = w.begin(3);
        w.double(1, q);
        w.double(2, value);
        w.end(qm);
      }
      w.end(sm);
    }
    w.end(m);
  }
}

/** prom-client's getMetricsAsJSON() shape. */
export interface PromClientFamily {
  name: string;
  help: string;
  type: string;
  values: SampleValue[];
}

/** Encodes a prom-client registry (the self-metrics). */
export function encodePromClientFamilies(families: readonly PromClientFamily[], w: ProtoWriter): void {
  for (const f of families) {
    if (f.values.length === 0) continue; // An empty family is left out, as client_golang does.
    const type = TYPES[String(f.type)] ?? MetricType.Untyped;
    const mark = w.begin(0);
    w.string(1, f.name);
    w.string(2, f.help);
    w.uint(3, type);
    encodeSamples(w, f.name, type, f.values);
    w.end(mark);
  }
}

/** The whole protobuf scrape: the bridged series, then the self-metrics (as the text scrape). */
export async function encodeProtobufScrape(series: Registry, self: Registry): Promise<Uint8Array> {
  const w = new ProtoWriter();
  await encodeSeriesRegistry(series, w);
  encodePromClientFamilies((await self.getMetricsAsJSON()) as unknown as PromClientFamily[], w);
  return w.bytes();
}
