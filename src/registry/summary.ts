// Summary vector. Quantile estimation over a sliding window is the one part worth a library:
// each vector is a prom-client Summary (never registered on its own; the family renders it).
import { Summary } from 'prom-client';
import type { Labels } from '../line/events';
import type { SummaryOptions } from '../mapper/types';
import type { SampleValue, SeriesMeta, SeriesVector } from './types';

export type SummarySeries = SeriesMeta;

/** client_golang's defaults when the mapping leaves max_age / age_buckets at 0. */
const DEFAULT_MAX_AGE_SECONDS = 600;
const DEFAULT_AGE_BUCKETS = 5;

export class SummaryVector implements SeriesVector<SummarySeries> {
  readonly kind = 'summary' as const;
  private readonly bySeriesKey = new Map<string, SummarySeries>();
  private readonly summary: Summary<string>;
  private readonly percentiles: number[];
  private readonly name: string;
  /** Series prom-client shows: observed at least once, or the one series of an unlabelled summary. */
  private readonly observed = new Set<string>();
  private readonly unlabelled: boolean;

  constructor(name: string, help: string, labelNames: readonly string[], options: SummaryOptions) {
    // prom-client takes no per-quantile error (it uses a t-digest); the quantiles themselves are kept.
    this.name = name;
    this.unlabelled = labelNames.length === 0;
    this.percentiles = options.quantiles.map((q) => q.quantile);
    this.summary = new Summary({
      name,
      help,
      labelNames: [...labelNames],
      percentiles: options.quantiles.map((q) => q.quantile),
      maxAgeSeconds: options.maxAgeSeconds > 0 ? options.maxAgeSeconds : DEFAULT_MAX_AGE_SECONDS,
      ageBuckets: options.ageBuckets > 0 ? options.ageBuckets : DEFAULT_AGE_BUCKETS,
      registers: [],
    });
  }

  find(key: string): SummarySeries | undefined {
    return this.bySeriesKey.get(key);
  }

  create(key: string, labels: Labels): SummarySeries {
    const s: SummarySeries = { key, labels, lastUpdateMs: 0, ttlMs: 0 };
    this.bySeriesKey.set(key, s);
    if (this.unlabelled) this.observed.add(key);
    return s;
  }

  /**
   * prom-client's t-digest cannot take NaN or ±Inf (observe() throws): they are left out here and
   * counted by the exporter (rejectsNonFinite). Interim guard until the CKMS summary (summary
   * branch, issue 11), which takes them as client_golang does.
   */
  readonly rejectsNonFinite = true;

  update(s: SummarySeries, value: number): void {
    if (!Number.isFinite(value)) return;
    this.summary.observe(s.labels, value);
    this.observed.add(s.key);
  }

  remove(s: SummarySeries): void {
    this.bySeriesKey.delete(s.key);
    if (this.observed.delete(s.key)) this.summary.remove(s.labels);
  }

  get size(): number {
    return this.bySeriesKey.size;
  }

  all(): IterableIterator<SummarySeries> {
    return this.bySeriesKey.values();
  }

  async collect(out: SampleValue[]): Promise<void> {
    const m = await this.summary.get();
    for (const v of m.values) out.push(v as SampleValue);
    // A series that only got NaN/±Inf so far exists (it claimed the name) but prom-client never
    // saw it: shown as prom-client shows an empty one.
    if (this.observed.size === this.bySeriesKey.size) return;
    for (const s of this.bySeriesKey.values()) {
      if (this.observed.has(s.key)) continue;
      for (const quantile of this.percentiles) out.push({ labels: { ...s.labels, quantile }, value: 0 });
      out.push({ metricName: `${this.name}_sum`, labels: s.labels, value: 0 });
      out.push({ metricName: `${this.name}_count`, labels: s.labels, value: 0 });
    }
  }
}
