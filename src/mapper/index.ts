// Public surface of the mapping engine.
export * from './types';
export { escapeMetricName } from '../core/escape';
export { parseGoDuration, parseGoDurationNs, GoDurationError } from '../core/duration';
export {
  compileMappingConfig,
  compileMappingConfigs,
  defaultMapperDefaults,
  MappingConfigError,
  DEFAULT_BUCKETS,
  DEFAULT_QUANTILES,
  DEFAULT_HELP,
  type CompileOptions,
} from './config';
export { loadMappingFile, loadMappingFiles, type LoadOptions } from './load';
export { MetricMapper, type MetricMapperOptions } from './mapper';
export {
  createMappingCache,
  NOOP_CACHE_TELEMETRY,
  LruMappingCache,
  RandomMappingCache,
  type CachedMapping,
  type MappingCache,
  type MappingCacheOptions,
  type MappingCacheTelemetry,
  type MappingCacheType,
} from './cache';
export type { GlobDollarZero } from './template';
