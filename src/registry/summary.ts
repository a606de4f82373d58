// Summary vector: client_golang's summaries (CKMS targeted quantiles over age-bucketed streams,
// see go-summary.ts and ckms-stream.ts), so quantiles are statsd_exporter's own numbers and NaN
// or ±Inf observations are taken as Go takes them. Rendered directly like the other vectors.
import type { Clock } from '../core/clock';
import type { Labels } from '../line/events';
import type { SummaryOptions } from '../mapper/types';
import { labelText, formatValue, type RenderableVector } from './exposition';
import { CkmsScratch } from './ckms-stream';
import { GoSummary, summaryShape, type SummaryShape } from './go-summary';
import { goFormatFloat } from './histogram';
import type { SampleValue, SeriesMeta, SeriesVector } from './types';

/** One series is its summary state (one object per series, not two). */
export class SummarySeries extends GoSummary implements SeriesMeta {
  lastUpdateMs = 0;
  ttlMs = 0;
  constructor(
    readonly key: string,
    readonly labels: Labels,
    shape: SummaryShape,
    createdMs: number,
    scratch: CkmsScratch,
  ) {
    super(shape, createdMs, scratch);
  }
}

export interface SummaryVectorOptions {
  name: string;
  options: SummaryOptions;
  /** Observation and scrape times (rotation of the age buckets). */
  clock: Clock;
}

export class SummaryVector implements SeriesVector<SummarySeries>, RenderableVector {
  readonly kind = 'summary' as const;
  private readonly bySeriesKey = new Map<string, SummarySeries>();
  private readonly name: string;
  private readonly clock: Clock;
  private readonly shape: SummaryShape;
  /** The quantile label values, Go's %g form of each objective (client_golang's text format). */
  private readonly quantileLabels: string[];
  /** Reused by every scrape: one value per objective. */
  private readonly quantileValues: number[] = [];
  /** Merge and sort work arrays, shared by this vector's series. */
  private readonly ckmsScratch = new CkmsScratch();

  constructor(o: SummaryVectorOptions) {
    this.name = o.name;
    this.clock = o.clock;
    this.shape = summaryShape(o.options);
    this.quantileLabels = this.shape.sortedQuantiles.map(goFormatFloat);
  }

  find(key: string): SummarySeries | undefined {
    return this.bySeriesKey.get(key);
  }

  create(key: string, labels: Labels): SummarySeries {
    const s = new SummarySeries(key, labels, this.shape, this.clock.nowMs(), this.ckmsScratch);
    this.bySeriesKey.set(key, s);
    return s;
  }

  /** Any float64, as Go's Observe: NaN and ±Inf go into the streams and the sum. */
  update(s: SummarySeries, value: number): void {
    s.observe(value, this.clock.nowMs());
  }

  remove(s: SummarySeries): void {
    this.bySeriesKey.delete(s.key);
  }

  get size(): number {
    return this.bySeriesKey.size;
  }

  all(): IterableIterator<SummarySeries> {
    return this.bySeriesKey.values();
  }

  /** A scrape is Go's Write on each series: it flushes the hot buffer first. */
  collect(out: SampleValue[]): void {
    const now = this.clock.nowMs();
    const qs = this.quantileValues;
    for (const s of this.bySeriesKey.values()) {
      s.write(now, qs);
      for (let i = 0; i < qs.length; i++) out.push({ labels: { ...s.labels, quantile: this.quantileLabels[i] }, value: qs[i] });
      out.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      out.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
  }

  /** The lines collect() describes, written directly (see exposition.ts). */
  render(name: string, out: string[]): void {
    const now = this.clock.nowMs();
    const qs = this.quantileValues;
    const sumName = `${name}_sum`;
    const countName = `${name}_count`;
    for (const s of this.bySeriesKey.values()) {
      s.write(now, qs);
      const labels = labelText(s.labels);
      const head = `${name}${labels === '' ? '{' : `${labels.slice(0, -1)},`}quantile="`;
      for (let i = 0; i < qs.length; i++) out.push(`${head}${this.quantileLabels[i]}"} ${formatValue(qs[i])}`);
      out.push(`${sumName}${labels} ${formatValue(s.sum)}`);
      out.push(`${countName}${labels} ${formatValue(s.count)}`);
    }
  }
}
