// The socket-free middle of the bridge: mapping cache and mapper, series registry, exporter,
// series cache, event queue, parser and Ingest, wired one way. The daemon (bridge.ts), the
// benchmarks and the tests build it here, so all of them run the same wiring.
import type { BridgeConfig } from './config';
import type { Clock } from './core/clock';
import { rateLimited, type Logger } from './core/logger';
import { Exporter } from './exporter/exporter';
import { EventQueue } from './ingest/event-queue';
import { Ingest, type LineRelay } from './ingest/ingest';
import { SeriesCache } from './ingest/series-cache';
import type { LineTelemetry } from './line/events';
import { LineParser } from './line/parser';
import { createMappingCache } from './mapper/cache';
import { MetricMapper } from './mapper/mapper';
import { SeriesRegistry } from './registry/series-registry';
import type { SelfMetrics } from './telemetry/self-metrics';

export type PipelineConfig = Pick<
  BridgeConfig,
  | 'cacheType'
  | 'cacheSize'
  | 'maxSeries'
  | 'maxSeriesPerMetric'
  | 'setMaxValues'
  | 'eventFlushThreshold'
  | 'eventFlushIntervalMs'
  | 'parseDogstatsdTags'
  | 'parseInfluxdbTags'
  | 'parseLibratoTags'
  | 'parseSignalfxTags'
  | 'enableSets'
>;

export interface PipelineDeps {
  config: PipelineConfig;
  metrics: SelfMetrics;
  logger: Logger;
  clock: Clock;
  relay?: LineRelay | null;
  /** The series cache in front of parse/map/lookup; the daemon always uses it. Default true. */
  seriesCache?: boolean;
}

export interface Pipeline {
  mapper: MetricMapper;
  series: SeriesRegistry;
  exporter: Exporter;
  seriesCache: SeriesCache | null;
  queue: EventQueue;
  parser: LineParser;
  ingest: Ingest;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { config, metrics, logger, clock } = deps;
  const mappingCacheMetrics = metrics.cache;
  const mapper = new MetricMapper({
    cache: createMappingCache({
      type: config.cacheType,
      size: config.cacheSize,
      telemetry: mappingCacheMetrics
        ? { length: (n) => mappingCacheMetrics.length.set(n), get: () => mappingCacheMetrics.gets.inc(), hit: () => mappingCacheMetrics.hits.inc() }
        : { length() {}, get() {}, hit() {} },
    }),
  });

  const limitLog = rateLimited((m, f) => logger.warn(m, f), { perInterval: 1, intervalMs: 60_000, nowMs: () => clock.nowMs() });
  const series = new SeriesRegistry(
    clock,
    {
      vectorCreated: (kind) => metrics.metricsCount.inc({ type: kind }),
      vectorRemoved: (kind) => metrics.metricsCount.dec({ type: kind }),
      isReservedName: metrics.isReservedName,
      seriesDropped: (reason, name) => {
        metrics.seriesDropped[reason].inc();
        limitLog('Series limit reached; new series are dropped', { reason, metric: name, limit: reason === 'max_series' ? config.maxSeries : config.maxSeriesPerMetric });
      },
      setValueDropped: (name) => {
        metrics.setValueDropped();
        limitLog('Set series full; new members are not counted until the next scrape', { metric: name, limit: config.setMaxValues });
      },
      familyRebuilt: (name, removed) => {
        metrics.seriesRebuilt.inc(removed);
        logger.info('Mapping reload changed the type or options of a metric; its series start again', { metric: name, series: removed });
      },
    },
    { maxSeries: config.maxSeries, maxSeriesPerMetric: config.maxSeriesPerMetric, maxSetValues: config.setMaxValues },
  );
  metrics.bindSeriesCount(() => series.seriesCount);
  const exporter = new Exporter({ mapper, registry: series, metrics, logger });
  // Lines seen before skip parsing, mapping and the registry lookup (src/ingest/series-cache.ts).
  // Served from it, a line still counts the mapping-cache get and hit upstream's LRU counts.
  const reuseMetrics = config.cacheType === 'lru' ? mappingCacheMetrics : null;
  const seriesCache =
    deps.seriesCache === false
      ? null
      : new SeriesCache({
          exporter,
          registry: series,
          mapper,
          metrics,
          logger,
          clock,
          onMappingReuse: reuseMetrics
            ? () => {
                reuseMetrics.gets.inc();
                reuseMetrics.hits.inc();
              }
            : null,
        });
  const queue = new EventQueue(exporter, {
    flushThreshold: Math.max(1, config.eventFlushThreshold),
    flushIntervalMs: config.eventFlushIntervalMs,
    onFlush: () => metrics.eventsFlushed.inc(),
    onError: (err, batchSize) => {
      metrics.flushErrors.inc();
      logger.error('Applying a batch of events failed; the batch was dropped', { err, events: batchSize });
    },
    seriesCache,
  });
  const parser = new LineParser(
    { dogstatsd: config.parseDogstatsdTags, influxdb: config.parseInfluxdbTags, librato: config.parseLibratoTags, signalfx: config.parseSignalfxTags },
    lineTelemetry(metrics, logger, clock),
    { sets: config.enableSets },
  );
  const ingest = new Ingest(parser, queue, metrics, deps.relay ?? null, seriesCache);
  return { mapper, series, exporter, seriesCache, queue, parser, ingest };
}

/** Backs the parser's reports with the self-metrics and a rate-limited debug log. */
function lineTelemetry(metrics: SelfMetrics, logger: Logger, clock: Clock): LineTelemetry {
  const debug = logger.debugEnabled
    ? rateLimited((m, f) => logger.debug(m, f), { perInterval: 10, intervalMs: 10_000, nowMs: () => clock.nowMs() })
    : null;
  return {
    sample: () => metrics.samplesReceived.inc(),
    tagsPresent: () => metrics.tagsReceived.inc(),
    sampleError: debug
      ? (reason, line, detail) => {
          metrics.sampleErrors[reason].inc();
          debug('Bad line from StatsD', { reason, line: line.slice(0, 256), detail });
        }
      : (reason) => metrics.sampleErrors[reason].inc(),
    tagError: debug
      ? (line, detail) => {
          metrics.tagErrors.inc();
          debug('Bad tag from StatsD', { line: line.slice(0, 256), detail });
        }
      : () => metrics.tagErrors.inc(),
  };
}
