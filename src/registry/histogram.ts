// Classic histogram vector with cumulative exposition, as client_golang renders it.
// Hand-written like the counter: Go accepts +Inf/NaN observations (prom-client throws), and the
// per-series bucket array is found once per series rather than per observation.
import type { Labels } from '../line/events';
import { formatValue, labelText, type RenderableVector } from './exposition';
import { Frexp, NativeHistogram, type NativeHistogramSpec } from './native-histogram';
import type { SampleValue, SeriesMeta, SeriesVector } from './types';

export interface HistogramSeries extends SeriesMeta {
  /**
   * Non-cumulative counts per upper bound; the +Inf bucket is `count`. A plain array: V8 keeps
   * small integers unboxed in it (4 bytes each), a third of a Float64Array's cost per series.
   */
  counts: number[];
  sum: number;
  count: number;
  /** Native buckets, when the vector has them (exposed in the protobuf format only). */
  native: NativeHistogram | null;
}

export class HistogramVector implements SeriesVector<HistogramSeries>, RenderableVector {
  readonly kind = 'histogram' as const;
  private readonly bySeriesKey = new Map<string, HistogramSeries>();
  readonly upperBounds: readonly number[];
  private readonly leLabels: string[];
  private readonly frexp: Frexp | null;

  constructor(
    private readonly name: string,
    buckets: readonly number[],
    readonly native: NativeHistogramSpec | null = null,
  ) {
    // client_golang sorts nothing and requires strictly increasing bounds; the mapper validated
    // them, but a trailing +Inf is implicit in Prometheus, so drop it if the user wrote one.
    this.upperBounds = buckets.filter((b) => b !== Infinity);
    this.leLabels = this.upperBounds.map(formatLe);
    this.frexp = native && new Frexp();
  }

  find(key: string): HistogramSeries | undefined {
    return this.bySeriesKey.get(key);
  }

  create(key: string, labels: Labels): HistogramSeries {
    const s: HistogramSeries = { key, labels, lastUpdateMs: 0, ttlMs: 0, counts: new Array<number>(this.upperBounds.length).fill(0), sum: 0, count: 0, native: null };
    if (this.native !== null) s.native = new NativeHistogram(this.native, this.frexp!);
    this.bySeriesKey.set(key, s);
    return s;
  }

  update(s: HistogramSeries, value: number): void {
    const bounds = this.upperBounds;
    // Linear scan: bucket lists are short (tens), and this beats a binary search at that size.
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        s.counts[i]++;
        break;
      }
    }
    s.sum += value;
    s.count++;
    if (s.native !== null) s.native.observe(value);
  }

  remove(s: HistogramSeries): void {
    this.bySeriesKey.delete(s.key);
  }

  get size(): number {
    return this.bySeriesKey.size;
  }

  all(): IterableIterator<HistogramSeries> {
    return this.bySeriesKey.values();
  }

  collect(out: SampleValue[]): void {
    const bucketName = `${this.name}_bucket`;
    const sumName = `${this.name}_sum`;
    const countName = `${this.name}_count`;
    for (const s of this.bySeriesKey.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += s.counts[i];
        out.push({ metricName: bucketName, labels: { ...s.labels, le: this.leLabels[i] }, value: cumulative });
      }
      out.push({ metricName: bucketName, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      out.push({ metricName: sumName, labels: s.labels, value: s.sum });
      out.push({ metricName: countName, labels: s.labels, value: s.count });
    }
  }

  /** The lines collect() describes, written directly (see exposition.ts). */
  render(name: string, out: string[]): void {
    const bucket = `${name}_bucket`;
    const sumName = `${name}_sum`;
    const countName = `${name}_count`;
    const les = this.leLabels;
    for (const s of this.bySeriesKey.values()) {
      const labels = labelText(s.labels);
      // The series' labels, then le (as {...labels, le} orders them).
      const head = `${bucket}${labels === '' ? '{' : `${labels.slice(0, -1)},`}le="`;
      let cumulative = 0;
      for (let i = 0; i < les.length; i++) {
        cumulative += s.counts[i];
        out.push(`${head}${les[i]}"} ${formatValue(cumulative)}`);
      }
      out.push(`${head}+Inf"} ${formatValue(s.count)}`);
      out.push(`${sumName}${labels} ${formatValue(s.sum)}`);
      out.push(`${countName}${labels} ${formatValue(s.count)}`);
    }
  }
}

/** Formats a bucket bound the way client_golang does (Go's %g-like shortest form). */
export function formatLe(bound: number): string {
  if (bound === Infinity) return '+Inf';
  if (bound === -Infinity) return '-Inf';
  return goFormatFloat(bound);
}

/** Go's strconv.FormatFloat(v, 'g', -1, 64): shortest digits, exponent form when the decimal exponent is < -4 or >= 6 (Go uses precision 6 for that decision). */
export function goFormatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, exp] = v.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(v);
}
