// statsd_exporter's own metrics, with its names, labels and help texts, so dashboards and alerts
// written for statsd_exporter keep working. Everything is created on a registry passed in.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SAMPLE_ERROR_REASONS } from '../line/events';
import type { SampleErrorReason } from '../line/events';

/** A pre-resolved child: inc() without a per-call label lookup. */
export interface Inc {
  inc(value?: number): void;
}

/**
 * A counter child whose inc() is one addition: the count is kept here and moved into the
 * prom-client counter when the registry collects it (every scrape), so the per-packet and
 * per-line counters cost nothing measurable on the hot path. `total` is the count so far
 * (monotonic), moved or not.
 */
export class FastCount implements Inc {
  total = 0;
  private moved = 0;

  constructor(
    private readonly counter: Counter<string>,
    private readonly labels: Record<string, string>,
  ) {}

  inc(value = 1): void {
    this.total += value;
  }

  /** Moves what was counted since the last call into prom-client. */
  flush(): void {
    const delta = this.total - this.moved;
    if (delta > 0) {
      this.moved = this.total;
      this.counter.inc(this.labels, delta);
    }
  }
}

/** The FastCount children of each counter made by createSelfMetrics, flushed by its collect(). */
const fastChildren = new WeakMap<Counter<string>, FastCount[]>();

function child(counter: Counter<string>, labels: Record<string, string>): Inc {
  return fastChild(counter, labels);
}

function fastChild(counter: Counter<string>, labels: Record<string, string>): FastCount {
  // Binding the labels object once keeps the hot path to one addition, and the series
  // appears at 0 from the start, so rate() and alerts work before the first error.
  counter.inc(labels, 0);
  const c = new FastCount(counter, labels);
  const list = fastChildren.get(counter);
  if (list) list.push(c);
  else fastChildren.set(counter, [c]);
  return c;
}

export interface SelfMetricsOptions {
  registry: Registry;
  version: string;
  revision: string;
  /** Register the mapper cache metrics (upstream does only when the cache is on). */
  cacheEnabled: boolean;
  /** Include the nodejs and process runtime metrics (statsd_exporter always exposes its go and process ones). */
  runtimeMetrics: boolean;
  /** StatsD sets are on (--statsd.enable-sets): registers the set overflow counter. */
  setsEnabled?: boolean;
  /** Serve /-/reset (with --web.enable-lifecycle): its counters are registered. */
  lifecycleEnabled?: boolean;
}

export type SelfMetrics = ReturnType<typeof createSelfMetrics>;

export const EVENT_ERROR_REASONS = ['empty_metric_name', 'illegal_negative_counter', 'non_finite_summary_value'] as const;
export type EventErrorReason = (typeof EVENT_ERROR_REASONS)[number];

/**
 * statsd_exporter_events_conflict_total has a metric_name label (as upstream), so a flood of
 * conflicting names would grow it without bound: past this many distinct names, further names
 * are counted under metric_name="other".
 */
export const MAX_CONFLICT_METRIC_NAMES = 1000;
export const CONFLICT_OVERFLOW_METRIC_NAME = 'other';

/** Why a TCP connection was closed by the bridge (statsd_bridge_tcp_connections_dropped_total). */
export const TCP_DROP_REASONS = ['max_connections', 'idle_timeout', 'line_timeout'] as const;
export type TcpDropReason = (typeof TCP_DROP_REASONS)[number];

/** Why an HTTP request or connection was refused (statsd_bridge_http_requests_rejected_total). */
export const HTTP_REJECT_REASONS = ['unauthorized', 'rate_limited', 'auth_busy', 'auth_client_busy', 'client_cert', 'tls_handshake'] as const;
export type HttpRejectReason = (typeof HTTP_REJECT_REASONS)[number];

/** Why the web server closed a connection (statsd_bridge_http_connections_dropped_total). */
export const HTTP_DROP_REASONS = ['not_allowed', 'max_connections', 'max_connections_per_client', 'request_timeout', 'headers_too_large', 'bad_request'] as const;
export type HttpDropReason = (typeof HTTP_DROP_REASONS)[number];

export function createSelfMetrics(opts: SelfMetricsOptions) {
  const registers = [opts.registry];
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      // Brings the counter up to date with its FastCount children before it is read.
      collect() {
        const list = fastChildren.get(this);
        if (list) for (const c of list) c.flush();
      },
    });
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
  const flushErrors = counter('statsd_bridge_flush_errors_total', 'Batches of events dropped because applying them failed (a bug; see the error log).');
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

  // Hardening (bridge extensions): TCP connections closed by the limits, HTTP requests refused.
  const tcpDropped = counter(
    'statsd_bridge_tcp_connections_dropped_total',
    'TCP connections closed by the bridge: at accept because --statsd.tcp-max-connections were open, after --statsd.tcp-idle-timeout without data, or when a line was not completed within --statsd.tcp-line-timeout.',
    ['reason'],
  );
  const unixgramTruncated = counter(
    'statsd_bridge_unixgram_truncated_datagrams_total',
    'Unixgram datagrams dropped whole because they filled the 65,536-byte read buffer, so were probably truncated (their last line cut).',
  );
  const tcpOpen = gauge('statsd_bridge_tcp_connections_open', 'The number of StatsD TCP connections currently open.');
  const httpRejected = counter(
    'statsd_bridge_http_requests_rejected_total',
    'HTTP requests (or TLS connections) refused by the --web.config.file rules.',
    ['reason'],
  );
  const httpDropped = counter(
    'statsd_bridge_http_connections_dropped_total',
    'Web server connections closed by the bridge: refused by --web.allowed-cidrs, beyond --web.max-connections or --web.max-connections-per-client, past --web.header-timeout or --web.request-timeout, or after a malformed request.',
    ['reason'],
  );
  const httpOpen = gauge('statsd_bridge_http_connections_open', 'The number of web server (/metrics) connections currently open.');
  const conflictNames = new Set<string>();

  const cache = opts.cacheEnabled
    ? {
        length: gauge('statsd_metric_mapper_cache_length', 'The count of unique metrics currently cached.'),
        gets: child(counter('statsd_metric_mapper_cache_gets_total', 'The count of total metric cache gets.'), {}),
        hits: child(counter('statsd_metric_mapper_cache_hits_total', 'The count of total metric cache hits.'), {}),
      }
    : null;

  if (opts.runtimeMetrics) collectDefaultMetrics({ register: opts.registry });

  // Sets (an extension): nothing is registered or pre-created without --statsd.enable-sets,
  // so the default output is unchanged; events_total{type="set"} appears with the first set.
  const setValuesDropped = opts.setsEnabled
    ? counter('statsd_bridge_set_values_dropped_total', 'Set members not counted because their series already held --statsd.set-max-values distinct members.')
    : null;

  // /-/reset (an extension): registered only with --web.enable-lifecycle, which serves it.
  const resets = opts.lifecycleEnabled
    ? {
        requests: counter('statsd_bridge_resets_total', 'Requests to /-/reset that dropped bridged series (all, or those of one metric name).'),
        series: counter('statsd_bridge_reset_series_total', 'Bridged series dropped by /-/reset.'),
      }
    : null;

  const seriesRebuilt = counter(
    'statsd_bridge_series_rebuilt_total',
    'Series dropped after a mapping reload changed the type, buckets or quantiles of the rule that made them; they start again with the new options.',
  );

  const reasons = {} as Record<SampleErrorReason, FastCount>;
  const tagErrorCount = fastChild(tagErrors, {});
  for (const r of SAMPLE_ERROR_REASONS) reasons[r] = fastChild(sampleErrors, { reason: r });
  const eventErrors = {} as Record<EventErrorReason, Inc>;
  for (const r of EVENT_ERROR_REASONS) eventErrors[r] = child(errorEventStats, { reason: r });

  return {
    registry: opts.registry,
    events: { counter: child(eventStats, { type: 'counter' }), gauge: child(eventStats, { type: 'gauge' }), observer: child(eventStats, { type: 'observer' }), illegal: child(eventStats, { type: 'illegal' }), set: { inc: (v = 1) => eventStats.inc({ type: 'set' }, v) } as Inc },
    eventsFlushed: child(eventsFlushed, {}),
    flushErrors: child(flushErrors, {}),
    eventsUnmapped: child(eventsUnmapped, {}),
    udpPackets: child(udpPackets, {}),
    udpPacketDrops,
    tcpConnections,
    tcpErrors,
    tcpLineTooLong,
    unixgramPackets: child(unixgramPackets, {}),
    unixgramTruncated: child(unixgramTruncated, {}),
    linesReceived: child(linesReceived, {}),
    samplesReceived: fastChild(samplesReceived, {}),
    sampleErrors: reasons,
    tagsReceived: fastChild(tagsReceived, {}),
    tagErrors: tagErrorCount,
    /** Sample and tag errors counted so far (the series cache caches only lines that add none). */
    lineProblems: () => {
      let n = tagErrorCount.total;
      for (const r of SAMPLE_ERROR_REASONS) n += reasons[r].total;
      return n;
    },
    configReloads: { success: child(configLoads, { outcome: 'success' }), failure: child(configLoads, { outcome: 'failure' }) },
    loadedMappings: mappingsCount,
    conflict: (type: string, metricName: string) => {
      let name = metricName;
      if (!conflictNames.has(name)) {
        if (conflictNames.size >= MAX_CONFLICT_METRIC_NAMES) name = CONFLICT_OVERFLOW_METRIC_NAME;
        else conflictNames.add(name);
      }
      conflictingEventStats.inc({ type, metric_name: name });
    },
    eventErrors,
    actions: { map: child(eventsActions, { action: 'map' }), drop: child(eventsActions, { action: 'drop' }) },
    metricsCount,
    seriesDropped: { max_series: child(seriesDropped, { reason: 'max_series' }), max_series_per_metric: child(seriesDropped, { reason: 'max_series_per_metric' }) },
    tcpDropped: Object.fromEntries(TCP_DROP_REASONS.map((r) => [r, child(tcpDropped, { reason: r })])) as Record<TcpDropReason, Inc>,
    tcpOpen,
    httpRejected: Object.fromEntries(HTTP_REJECT_REASONS.map((r) => [r, child(httpRejected, { reason: r })])) as Record<HttpRejectReason, Inc>,
    httpDropped: Object.fromEntries(HTTP_DROP_REASONS.map((r) => [r, child(httpDropped, { reason: r })])) as Record<HttpDropReason, Inc>,
    httpOpen,
    bindSeriesCount: (fn: () => number) => {
      countSeries = fn;
    },
    cache,
    setValueDropped: () => setValuesDropped?.inc(),
    seriesRebuilt: child(seriesRebuilt, {}),
    reset: (seriesRemoved: number) => {
      resets?.requests.inc();
      resets?.series.inc(seriesRemoved);
    },
    /** Metric names owned by this registry: bridged events may not reuse them. */
    isReservedName: (name: string) => opts.registry.getSingleMetric(name) !== undefined,
  };
}
