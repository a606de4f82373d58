// Turns events into series, exactly as statsd_exporter's pkg/exporter does: look up the mapping,
// apply drop / name / labels / honor_labels / scale, then update the right kind of series or
// count why not.
import type { StatsdEvent, Labels, SetEvent, EventType } from '../line/events';
import type { Logger } from '../core/logger';
import type { MappingResult, MapperDefaults, MetricMapping, ObserverType, SummaryOptions } from '../mapper/types';
import { escapeMetricName } from '../core/escape';
import { DEFAULT_HELP } from '../registry/series-registry';
import type { SeriesRegistry, VectorOptions } from '../registry/series-registry';
import type { MetricKind, SeriesMeta, SeriesVector } from '../registry/types';
import type { SetSeries, SetVector } from '../registry/set';
import type { SelfMetrics } from '../telemetry/self-metrics';

/** The part of the mapper the exporter needs; the real MetricMapper satisfies it. */
export interface EventMapper {
  getMapping(statsdName: string, type: EventType): MappingResult | null;
  readonly defaults: MapperDefaults;
}

export interface ExporterDeps {
  mapper: EventMapper;
  registry: SeriesRegistry;
  metrics: SelfMetrics;
  logger: Logger;
}

/** Default summary quantiles when neither the mapping nor the defaults give any (registry.go). */
const FALLBACK_QUANTILES = [
  { quantile: 0.5, error: 0.05 },
  { quantile: 0.9, error: 0.01 },
  { quantile: 0.99, error: 0.001 },
];

/**
 * What the last handleEvent call did, for the series cache (src/ingest/series-cache.ts), which
 * remembers it per line so the same line later skips parsing, mapping and the registry lookup.
 * 'none' unless a counter, gauge or observer event updated a series or was dropped.
 */
export interface EventOutcome {
  action: 'none' | 'drop' | 'update';
  kind: MetricKind;
  name: string;
  mapping: MetricMapping | undefined;
  ttlMs: number;
  vector: SeriesVector | null;
  series: SeriesMeta | null;
}

export class Exporter {
  /** Rewritten by every handleEvent (one object, reused: nothing is allocated per event). */
  readonly outcome: EventOutcome = { action: 'none', kind: 'counter', name: '', mapping: undefined, ttlMs: 0, vector: null, series: null };

  /** Where the event being handled goes; rewritten by resolve() for each event. */
  private readonly target: { mapping: MetricMapping | undefined; name: string; labels: Labels; help: string; ttlMs: number } = {
    mapping: undefined,
    name: '',
    labels: {},
    help: DEFAULT_HELP,
    ttlMs: 0,
  };

  constructor(private readonly deps: ExporterDeps) {}

  handleEvents(events: readonly StatsdEvent[]): void {
    for (let i = 0; i < events.length; i++) this.handleEvent(events[i]);
  }

  handleEvent(event: StatsdEvent): void {
    this.outcome.action = 'none';
    if (event.type === 'set') {
      this.handleSet(event);
      return;
    }
    const resolved = this.resolve(event.name, event.type, event.labels);
    if (resolved !== 'ok') {
      if (resolved === 'drop') this.outcome.action = 'drop';
      return;
    }
    const { metrics, logger } = this.deps;
    const { mapping, name: metricName, labels, help, ttlMs } = this.target;
    let value = event.value;
    if (mapping && mapping.scale !== null) value *= mapping.scale;

    switch (event.type) {
      case 'counter': {
        if (value < 0) {
          logger.debug('counter must be non-negative value', { metric: metricName, event_value: value });
          metrics.eventErrors.illegal_negative_counter.inc();
          return;
        }
        if (this.update('counter', metricName, labels, help, ttlMs, mapping, value, false)) metrics.events.counter.inc();
        return;
      }
      case 'gauge':
        if (this.update('gauge', metricName, labels, help, ttlMs, mapping, value, event.relative)) metrics.events.gauge.inc();
        return;
      case 'observer': {
        // NaN and ±Inf go to the registry like any value (Go: GetSummary, then Observe), so the
        // name is claimed and conflicts are counted before anything about the value.
        const kind = this.observerKind(mapping?.observerType ?? '');
        if (!this.update(kind, metricName, labels, help, ttlMs, mapping, value, false)) return;
        if (this.outcome.vector!.rejectsNonFinite === true && !Number.isFinite(value)) {
          logger.debug('summary cannot observe a non-finite value', { metric: metricName, event_value: value });
          metrics.eventErrors.non_finite_summary_value.inc();
          return;
        }
        metrics.events.observer.inc();
        return;
      }
      default:
        metrics.events.illegal.inc();
    }
  }

  /**
   * Looks an event up in the mapping and fills `target` with where it goes (exporter.go's
   * handleEvent up to the type switch): 'drop' for action: drop, 'stop' for an empty mapped
   * name; both are counted here.
   */
  private resolve(statsdName: string, lookupType: EventType, eventLabels: Labels): 'ok' | 'drop' | 'stop' {
    const { mapper, metrics, logger } = this.deps;
    const found = mapper.getMapping(statsdName, lookupType);
    const mapping = found?.mapping;
    if (mapping && mapping.action === 'drop') {
      metrics.actions.drop.inc();
      return 'drop';
    }
    const t = this.target;
    if (found) {
      if (found.name === '') {
        logger.debug('The mapping generates an empty metric name', { metric_name: statsdName, match: mapping!.match });
        metrics.eventErrors.empty_metric_name.inc();
        return 'stop';
      }
      t.name = escapeMetricName(found.name);
      t.labels = mergeLabels(eventLabels, found.labels, mapping!.honorLabels);
      metrics.actions.map.inc();
    } else {
      metrics.eventsUnmapped.inc();
      t.name = escapeMetricName(statsdName);
      t.labels = eventLabels;
    }
    t.mapping = mapping;
    t.help = mapping && mapping.help ? mapping.help : DEFAULT_HELP;
    t.ttlMs = mapping ? mapping.ttlMs : mapper.defaults.ttlMs;
    return 'ok';
  }

  /**
   * A set member (only produced with --statsd.enable-sets): looked up as a gauge, mapped like
   * any event (drop, name, labels, honor_labels, ttl; scale does not apply to members), and
   * added to a set series, exposed as a gauge of distinct members per scrape interval.
   */
  private handleSet(event: SetEvent): void {
    if (this.resolve(event.name, 'gauge', event.labels) !== 'ok') return;
    const { metrics, logger, registry } = this.deps;
    const { mapping, name: metricName, labels, help, ttlMs } = this.target;
    const res = registry.lookup({ kind: 'set', name: metricName, labels, help, ttlMs, options: () => this.vectorOptions(mapping) });
    if (!res.ok) {
      if (res.reason !== 'conflict') return;
      logger.debug('conflicting metric', { metric: metricName, type: 'set', error: res.error });
      metrics.conflict('set', metricName);
      return;
    }
    (res.vector as SetVector).add(res.series as SetSeries, event.value);
    metrics.events.set.inc();
  }

  private observerKind(observerType: ObserverType): 'histogram' | 'summary' {
    const t = observerType || this.deps.mapper.defaults.observerType;
    return t === 'histogram' ? 'histogram' : 'summary';
  }

  private update(
    kind: MetricKind,
    name: string,
    labels: Labels,
    help: string,
    ttlMs: number,
    mapping: MetricMapping | undefined,
    value: number,
    relative: boolean,
  ): boolean {
    const res = this.deps.registry.lookup({ kind, name, labels, help, ttlMs, options: () => this.vectorOptions(mapping) });
    if (!res.ok) {
      // Series refused by the cardinality guard are counted by the registry's hook.
      if (res.reason !== 'conflict') return false;
      this.deps.logger.debug('conflicting metric', { metric: name, type: kind, error: res.error });
      this.deps.metrics.conflict(kind === 'histogram' || kind === 'summary' ? 'observer' : kind, name);
      return false;
    }
    res.vector.update(res.series, value, relative);
    const o = this.outcome;
    o.action = 'update';
    o.kind = kind;
    o.name = name;
    o.mapping = mapping;
    o.ttlMs = ttlMs;
    o.vector = res.vector;
    o.series = res.series;
    return true;
  }

  private vectorOptions(mapping: MetricMapping | undefined): VectorOptions {
    // A mapping's options are already merged with the defaults by the mapper.
    if (mapping) return { histogram: mapping.histogramOptions, summary: withQuantiles(mapping.summaryOptions), rule: mapping.match };
    // Unmapped events: the defaults' buckets and quantiles, client defaults for the rest (registry.go).
    const d = this.deps.mapper.defaults;
    return { histogram: d.histogramOptions, summary: withQuantiles({ quantiles: d.summaryOptions.quantiles, maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 }) };
  }
}

function withQuantiles(o: SummaryOptions): SummaryOptions {
  return o.quantiles.length > 0 ? o : { ...o, quantiles: FALLBACK_QUANTILES };
}

/** Event tags plus mapping labels; the mapping wins unless honor_labels lets the tag stay. */
function mergeLabels(eventLabels: Labels, mappingLabels: Readonly<Labels>, honorLabels: boolean): Labels {
  const out: Labels = { ...eventLabels };
  for (const k in mappingLabels) {
    if (honorLabels && Object.hasOwn(eventLabels, k)) continue;
    out[k] = mappingLabels[k];
  }
  return out;
}
