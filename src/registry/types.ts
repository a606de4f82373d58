// Shared shapes of the series store. A family is all series of one metric name; it may hold
// several vectors, one per label-name set, exactly as statsd_exporter's registry does.
import type { Labels } from '../line/events';

/** 'set' (StatsD sets, --statsd.enable-sets) is exposed with TYPE gauge. */
export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary' | 'set';

/** prom-client's exposition shape for one sample line. */
export interface SampleValue {
  value: number;
  labels: Labels | Record<string, string | number>;
  metricName?: string;
}

/** One series: its labels, when it was last updated, and its own TTL. */
export interface SeriesMeta {
  readonly labels: Labels;
  readonly key: string;
  lastUpdateMs: number;
  ttlMs: number;
}

/** A vector: the series of one family that share one label-name set. One implementation per kind. */
export interface SeriesVector<S extends SeriesMeta = SeriesMeta> {
  readonly kind: MetricKind;
  find(key: string): S | undefined;
  /** Creates the series for these labels; the caller checked it does not exist. */
  create(key: string, labels: Labels): S;
  /**
   * Applies one value to a series. `relative` matters for gauges only. Any float64 is handed in,
   * NaN and ±Inf included, as Go hands them to client_golang (whose counters, gauges, histograms
   * and summaries all take them).
   */
  update(series: S, value: number, relative: boolean): void;
  /**
   * Set (true) only by a vector that cannot hold NaN or ±Inf: its update() ignores them and the
   * exporter counts `events_error_total{reason="non_finite_summary_value"}` instead of the event.
   * Only today's prom-client summary sets it; a vector without it takes every value.
   */
  readonly rejectsNonFinite?: boolean;
  remove(series: S): void;
  readonly size: number;
  /** Every series, for TTL sweeps. */
  all(): IterableIterator<S>;
  /** Appends exposition samples (summaries compute quantiles asynchronously in prom-client). */
  collect(out: SampleValue[]): void | Promise<void>;
}
