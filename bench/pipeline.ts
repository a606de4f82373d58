// The daemon's ingest pipeline without sockets (src/pipeline.ts, as the daemon builds it): packets go in
// through Ingest.packet, the exposition comes out of the series registry.
import { Registry } from 'prom-client';
import { ManualClock } from '../src/core/clock';
import { silentLogger } from '../src/core/logger';
import { defaultConfig } from '../src/cli/flags';
import type { EventQueue } from '../src/ingest/event-queue';
import type { Ingest } from '../src/ingest/ingest';
import { compileMappingConfig } from '../src/mapper/config';
import type { MetricMapper } from '../src/mapper/mapper';
import { createPipeline } from '../src/pipeline';
import type { SeriesRegistry } from '../src/registry/series-registry';
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
  const config = { ...defaultConfig(), cacheSize, eventFlushThreshold: o.flushThreshold ?? 1000, eventFlushIntervalMs: 0 };
  const { ingest, queue, series: registry, mapper } = createPipeline({ config, metrics, logger: silentLogger, clock, seriesCache: o.seriesCache });
  if (o.mappingYaml !== null) mapper.swap(compileMappingConfig(o.mappingYaml, { source: 'bench.yml', logger: silentLogger }));
  return { ingest, queue, registry, metrics, selfRegistry, mapper, clock };
}
