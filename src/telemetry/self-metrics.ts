// statsd_exporter's own metrics, with its names, labels and help texts, so dashboards and alerts
// written for statsd_exporter keep working. Everything is created on a registry passed in.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SAMPLE_ERROR_REASONS } from '../line/events';
import type { SampleErrorReason } from '../line/events';

/** A pre-resolved child: inc() without a per-call label lookup. */
export interface Inc {
  inc(value?: number): void;
}

function child(counter: Counter<string>, labels: Record<string, string>): Inc {
  // Binding the labels object once keeps the hot path to one inc of a constant, and the series
  // appears at 0 from the start, so rate() and alerts work before the first error.
  counter.inc(labels, 0);
  return { inc: (v = 1) => counter.inc(labels, v) };
}

export interface SelfMetricsOptions {
  registry: Registry;
  version: string;
  revision: string;
  /** Register the mapper cache metrics (upstream does only when the cache is on). */
  cacheEnabled: boolean;
  /** Include the nodejs and process runtime metrics (statsd_exporter always exposes its go and process ones). */
  runtimeMetrics: boolean;
}

export type SelfMetrics = ReturnType<typeof createSelfMetrics>;

export const EVENT_ERROR_REASONS = ['empty_metric_name', 'illegal_negative_counter', 'non_finite_summary_value'] as const;
export type EventErrorReason = (typeof EVENT_ERROR_REASONS)[number];

export function createSelfMetrics(opts: SelfMetricsOptions) {
  const registers = [opts.registry];
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers });

  const buildInfo = gauge(
    'statsd_exporter_build_info',
    'A metric with a constant \'1\' value labeled by version, revision, branch, goversion from which statsd_exporter was built, and the goos and goarch for the build.',
    ['version', 'revision', 'branch', 'goversion', 'goos', 'goarch', 'tags'],
  );
  buildInfo.set(
    { version: opts.version, revision: opts.revision, branch: 'main', goversion: `node${process.versions.node}`, goos: process.platform, goarch: process.arch, tags: 'statsd-bridge' },
    1,
  );

  const eventStats = counter('statsd_exporter_events_total', 'The total number of StatsD events seen.', ['type']);
  const eventsFlushed = counter('statsd_exporter_event_queue_flushed_total', 'Number of times events were flushed to exporter');
  const eventsUnmapped = counter('statsd_exporter_events_unmapped_total', 'The total number of StatsD events no mapping was found for.');
  const udpPackets = counter('statsd_exporter_udp_packets_total', 'The total number of StatsD packets received over UDP.');
  const udpPacketDrops = counter('statsd_exporter_udp_packet_drops_total', 'The total number of dropped StatsD packets which received over UDP.');
  const tcpConnections = counter('statsd_exporter_tcp_connections_total', 'The total number of TCP connections handled.');
  const tcpErrors = counter('statsd_exporter_tcp_connection_errors_total', 'The number of errors encountered reading from TCP.');
  const tcpLineTooLong = counter('statsd_exporter_tcp_too_long_lines_total', 'The number of lines discarded due to being too long.');
  const unixgramPackets = counter('statsd_exporter_unixgram_packets_total', 'The total number of StatsD packets received over Unixgram.');
  const linesReceived = counter('statsd_exporter_lines_total', 'The total number of StatsD lines received.');
  const samplesReceived = counter('statsd_exporter_samples_total', 'The total number of StatsD samples received.');
  const sampleErrors = counter('statsd_exporter_sample_errors_total', 'The total number of errors parsing StatsD samples.', ['reason']);
  const tagsReceived = counter('statsd_exporter_tags_total', 'The total number of DogStatsD tags processed.');
  const tagErrors = counter('statsd_exporter_tag_errors_total', 'The number of errors parsing DogStatsD tags.');
  const configLoads = counter('statsd_exporter_config_reloads_total', 'The number of configuration reloads.', ['outcome']);
  const mappingsCount = gauge('statsd_exporter_loaded_mappings', 'The current number of configured metric mappings.');
  const conflictingEventStats = counter('statsd_exporter_events_conflict_total', 'The total number of StatsD events with conflicting names.', ['type', 'metric_name']);
  const errorEventStats = counter('statsd_exporter_events_error_total', 'The total number of StatsD events discarded due to errors.', ['reason']);
  const eventsActions = counter('statsd_exporter_events_actions_total', 'The total number of StatsD events by action.', ['action']);
  const metricsCount = gauge('statsd_exporter_metrics_total', 'The total number of metrics.', ['type']);

  // Bridge extensions (statsd_exporter has no cardinality guard): bounded label values only.
  const seriesDropped = counter(
    'statsd_bridge_series_dropped_total',
    'Samples not applied because creating their series would pass a --statsd.max-series* limit.',
    ['reason'],
  );
  // Read at scrape time from whatever the composition root binds (the series registry).
  let countSeries = (): number => 0;
  new Gauge({
    name: 'statsd_bridge_series',
    help: 'The number of series currently held (bridged metrics only).',
    registers,
    collect() {
      this.set(countSeries());
    },
  });

  const cache = opts.cacheEnabled
    ? {
        length: gauge('statsd_metric_mapper_cache_length', 'The count of unique metrics currently cached.'),
        gets: counter('statsd_metric_mapper_cache_gets_total', 'The count of total metric cache gets.'),
        hits: counter('statsd_metric_mapper_cache_hits_total', 'The count of total metric cache hits.'),
      }
    : null;

  if (opts.runtimeMetrics) collectDefaultMetrics({ register: opts.registry });

  const reasons = {} as Record<SampleErrorReason, Inc>;
  for (const r of SAMPLE_ERROR_REASONS) reasons[r] = child(sampleErrors, { reason: r });
  const eventErrors = {} as Record<EventErrorReason, Inc>;
  for (const r of EVENT_ERROR_REASONS) eventErrors[r] = child(errorEventStats, { reason: r });

  return {
    registry: opts.registry,
    events: { counter: child(eventStats, { type: 'counter' }), gauge: child(eventStats, { type: 'gauge' }), observer: child(eventStats, { type: 'observer' }), illegal: child(eventStats, { type: 'illegal' }) },
    eventsFlushed,
    eventsUnmapped,
    udpPackets,
    udpPacketDrops,
    tcpConnections,
    tcpErrors,
    tcpLineTooLong,
    unixgramPackets,
    linesReceived,
    samplesReceived,
    sampleErrors: reasons,
    tagsReceived,
    tagErrors,
    configReloads: { success: child(configLoads, { outcome: 'success' }), failure: child(configLoads, { outcome: 'failure' }) },
    loadedMappings: mappingsCount,
    conflict: (type: string, metricName: string) => conflictingEventStats.inc({ type, metric_name: metricName }),
    eventErrors,
    actions: { map: child(eventsActions, { action: 'map' }), drop: child(eventsActions, { action: 'drop' }) },
    metricsCount,
    seriesDropped: { max_series: child(seriesDropped, { reason: 'max_series' }), max_series_per_metric: child(seriesDropped, { reason: 'max_series_per_metric' }) },
    bindSeriesCount: (fn: () => number) => {
      countSeries = fn;
    },
    cache,
    /** Metric names owned by this registry: bridged events may not reuse them. */
    isReservedName: (name: string) => opts.registry.getSingleMetric(name) !== undefined,
  };
}
