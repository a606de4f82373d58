// The compiled form of a statsd_exporter mapping file, as the exporter consumes it.
import type { EventType, Labels } from '../line/events';

export type MatchType = 'glob' | 'regex';
/** '' means "not set here": falls back to defaults, and finally to summary. */
export type ObserverType = 'histogram' | 'summary' | '';
export type MappingAction = 'map' | 'drop';

export interface Quantile {
  quantile: number;
  error: number;
}

export interface HistogramOptions {
  buckets: number[];
  nativeHistogramBucketFactor: number;
  nativeHistogramMaxBuckets: number;
}

export interface SummaryOptions {
  quantiles: Quantile[];
  /** 0 = client default (10 minutes). */
  maxAgeSeconds: number;
  /** 0 = client default (5). */
  ageBuckets: number;
  /** 0 = client default (500). */
  bufCap: number;
}

export interface MapperDefaults {
  observerType: ObserverType;
  matchType: MatchType;
  globDisableOrdering: boolean;
  ttlMs: number;
  histogramOptions: HistogramOptions;
  summaryOptions: SummaryOptions;
}

export interface MetricMapping {
  /** 0-based position in the file's `mappings` list. */
  index: number;
  /** The file the rule came from (or '<string>'). */
  source: string;
  match: string;
  matchType: MatchType;
  /** The name template as written. */
  name: string;
  labels: Labels;
  help: string;
  action: MappingAction;
  /** '' = any type. */
  matchMetricType: EventType | '';
  observerType: ObserverType;
  histogramOptions: HistogramOptions;
  summaryOptions: SummaryOptions;
  /** 0 = never expire. */
  ttlMs: number;
  honorLabels: boolean;
  /** null = not set (no scaling). */
  scale: number | null;
}

/** A successful lookup: the rule, the templated (not yet escaped) name, and the templated labels. */
export interface MappingResult {
  mapping: MetricMapping;
  name: string;
  /** Shared with the cache: callers must never mutate it. */
  labels: Readonly<Labels>;
}

/** A lookup with the captures the templates were filled from (the workbench's `explain`). */
export interface MappingExplanation {
  result: MappingResult;
  /** Glob: `$1`.. (the `*` segments). Regex: `$0` (the whole match), `$1`..; `group` names a named group. */
  captures: { name: string; value: string; group?: string }[];
}

/** Finds the rule for a StatsD metric name and type: glob rules first (FSM), then regex rules in order. */
export interface MappingMatcher {
  match(statsdName: string, type: EventType): MappingResult | null;
  /** match() with the captures; optional for matchers built by hand (tests). */
  explain?(statsdName: string, type: EventType): MappingExplanation | null;
  /** The glob FSM in Graphviz dot format (--debug.dump-fsm); null without glob rules. */
  dumpFsm?(): string | null;
}

/** A loaded, validated mapping file. Immutable once built; swap a new one in to reload. */
export interface CompiledMappingConfig {
  /** The file the config came from (or '<string>'). */
  readonly source: string;
  readonly defaults: MapperDefaults;
  readonly mappings: MetricMapping[];
  readonly matcher: MappingMatcher;
}
