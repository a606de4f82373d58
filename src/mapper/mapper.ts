// MetricMapper: the exporter's view of the mapping config — lookups through a result cache,
// and an atomic swap on reload (upstream pkg/mapper/mapper.go GetMapping / InitFromYAMLString).
import type { EventType } from '../line/events';
import type { CachedMapping, MappingCache } from './cache';
import { defaultMapperDefaults } from './config';
import type { CompiledMappingConfig, MapperDefaults, MappingExplanation, MappingResult, MetricMapping } from './types';

export interface MetricMapperOptions {
  /** The loaded mapping file; without one nothing matches and the built-in defaults apply. */
  config?: CompiledMappingConfig;
  /** Result cache (see createMappingCache); null for none. */
  cache: MappingCache<CachedMapping> | null;
}

function copyDefaults(d: MapperDefaults): MapperDefaults {
  return {
    ...d,
    histogramOptions: { ...d.histogramOptions, buckets: d.histogramOptions.buckets.slice() },
    summaryOptions: { ...d.summaryOptions, quantiles: d.summaryOptions.quantiles.map((q) => ({ ...q })) },
  };
}

export class MetricMapper {
  private current: CompiledMappingConfig | undefined;
  private currentDefaults: MapperDefaults;
  private readonly cache: MappingCache<CachedMapping> | null;

  constructor(opts: MetricMapperOptions) {
    this.current = opts.config;
    this.cache = opts.cache;
    this.currentDefaults = opts.config ? copyDefaults(opts.config.defaults) : defaultMapperDefaults();
  }

  /** The defaults in force: the file's, or upstream's built-in ones without a file. */
  get defaults(): MapperDefaults {
    return this.currentDefaults;
  }

  /** Replaces the defaults (tests, e.g. to force histograms); reset by the next swap(). */
  set defaults(d: MapperDefaults) {
    this.currentDefaults = d;
  }

  get mappings(): readonly MetricMapping[] {
    return this.current ? this.current.mappings : [];
  }

  /** The loaded config, if any. */
  get config(): CompiledMappingConfig | undefined {
    return this.current;
  }

  /** Replaces the config and clears the cache. */
  swap(config: CompiledMappingConfig): void {
    this.current = config;
    this.currentDefaults = copyDefaults(config.defaults);
    if (this.cache !== null) this.cache.clear();
  }

  /**
   * The glob FSM in Graphviz dot format, for --debug.dump-fsm. Throws, as upstream, when
   * there is none (no config, or regex rules only).
   */
  dumpFsm(): string {
    const dot = this.current?.matcher.dumpFsm?.() ?? null;
    if (dot === null) {
      throw new Error('no FSM available to be dumped, possibly because the mapping contains regex patterns only');
    }
    return dot;
  }

  /** The rule for a StatsD metric, or null when nothing matches (misses are cached too). */
  getMapping(statsdName: string, type: EventType): MappingResult | null {
    const cache = this.cache;
    if (cache === null) return this.lookup(statsdName, type);
    const key = type + '.' + statsdName;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const result = this.lookup(statsdName, type);
    cache.set(key, result);
    return result;
  }

  /**
   * The same lookup as getMapping (bypassing the cache), with the captures the templates were
   * filled from: for `statsd-bridge mapping explain`.
   */
  explain(statsdName: string, type: EventType): MappingExplanation | null {
    const matcher = this.current?.matcher;
    if (matcher === undefined) return null;
    if (matcher.explain !== undefined) return matcher.explain(statsdName, type);
    const result = matcher.match(statsdName, type);
    return result === null ? null : { result, captures: [] };
  }

  private lookup(statsdName: string, type: EventType): MappingResult | null {
    const config = this.current;
    return config === undefined ? null : config.matcher.match(statsdName, type);
  }
}
