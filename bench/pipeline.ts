// The daemon's ingest pipeline without sockets, wired as src/bridge.ts wires it: packets go in
// through Ingest.packet, the exposition comes out of the series registry.
import { Registry } from 'prom-client';
import { ManualClock } from '../src/core/clock';
import { silentLogger } from '../src/core/logger';
import { EventQueue } from '../src/exporter/event-queue';
import { Exporter } from '../src/exporter/exporter';
import { SeriesCache } from '../src/exporter/series-cache';
import { LineParser } from '../src/line/parser';
import { Ingest } from '../src/listener/ingest';
import { createMappingCache } from '../src/mapper/cache';
import { compileMappingConfig } from '../src/mapper/config';
import { MetricMapper } from '../src/mapper/mapper';
import { SeriesRegistry } from '../src/registry/series-registry';
import { createSelfMetrics, type SelfMetrics } from '../src/telemetry/self-metrics';

export interface Pipeline {
  ingest: Ingest;
  queue: EventQueue;
  registry: SeriesRegistry;
  metrics: SelfMetrics;
  selfRegistry: Registry;
  mapper: MetricMapper;
  clock: ManualClock;
}

export interface PipelineOptions {
  mappingYaml: string | null;
  /** Mapping cache entries (0: none). Default 1000, the daemon's default. */
  cacheSize?: number;
  /** Use the series cache (the daemon does). Default true. */
  seriesCache?: boolean;
  flushThreshold?: number;
}

export function makePipeline(o: PipelineOptions): Pipeline {
  const clock = new ManualClock(1_700_000_000_000);
  const selfRegistry = new Registry();
  const cacheSize = o.cacheSize ?? 1000;
  const metrics = createSelfMetrics({ registry: selfRegistry, version: 'bench', revision: 'bench', cacheEnabled: cacheSize > 0, runtimeMetrics: false });
  const cache = createMappingCache({
    type: 'lru',
    size: cacheSize,
    telemetry: metrics.cache
      ? { length: (n) => metrics.cache!.length.set(n), get: () => metrics.cache!.gets.inc(), hit: () => metrics.cache!.hits.inc() }
      : { length() {}, get() {}, hit() {} },
  });
  const mapper = new MetricMapper({ cache });
  if (o.mappingYaml !== null) mapper.swap(compileMappingConfig(o.mappingYaml, { source: 'bench.yml', logger: silentLogger }));
  const registry = new SeriesRegistry(clock, {
    vectorCreated: () => {},
    isReservedName: metrics.isReservedName,
    seriesDropped: () => {},
  });
  const exporter = new Exporter({ mapper, registry, metrics, logger: silentLogger });
  const cacheMetrics = metrics.cache;
  const seriesCache =
    o.seriesCache === false
      ? null
      : new SeriesCache({
          exporter,
          registry,
          mapper,
          metrics,
          logger: silentLogger,
          clock,
          onMappingReuse: cacheMetrics
            ? () => {
                cacheMetrics.gets.inc();
                cacheMetrics.hits.inc();
              }
            : null,
        });
  const queue = new EventQueue(exporter, { flushThreshold: o.flushThreshold ?? 1000, flushIntervalMs: 0, onFlush: () => metrics.eventsFlushed.inc(), onError: (err) => { throw err; }, seriesCache });
  const parser = new LineParser({ dogstatsd: true, influxdb: true, librato: true, signalfx: true }, {
    sample: () => metrics.samplesReceived.inc(),
    tagsPresent: () => metrics.tagsReceived.inc(),
    sampleError: (reason) => metrics.sampleErrors[reason].inc(),
    tagError: () => metrics.tagErrors.inc(),
  });
  const ingest = new Ingest(parser, queue, metrics, null, seriesCache);
  return { ingest, queue, registry, metrics, selfRegistry, mapper, clock };
}
