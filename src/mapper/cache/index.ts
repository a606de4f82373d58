// The mapping-result cache (statsd_exporter pkg/mappercache): keyed by "<type>.<name>",
// holding hits and misses (null) alike. Two replacement policies, one interface.
import type { MappingResult } from '../types';
import { LruMappingCache } from './lru';
import { RandomMappingCache } from './random';

/** A cached lookup: the result, or null for a cached miss. */
export type CachedMapping = MappingResult | null;

export interface MappingCache<V = CachedMapping> {
  /** undefined when the key is not cached (a cached miss is null, not undefined). */
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  clear(): void;
  readonly size: number;
}

/**
 * What the cache reports, backing statsd_metric_mapper_cache_{length,gets_total,hits_total}.
 * The LRU cache reports all three; the random-replacement cache only the length (as upstream).
 */
export interface MappingCacheTelemetry {
  length(n: number): void;
  get(): void;
  hit(): void;
}

export const NOOP_CACHE_TELEMETRY: MappingCacheTelemetry = Object.freeze({
  length() {},
  get() {},
  hit() {},
});

export type MappingCacheType = 'lru' | 'random';

export interface MappingCacheOptions {
  type: MappingCacheType;
  /** Maximum number of entries; 0 (or less) disables the cache. */
  size: number;
  telemetry?: MappingCacheTelemetry;
  /** Random source for the random-replacement cache (tests); defaults to Math.random. */
  random?: () => number;
}

/** Builds a cache, or returns null when size is 0 (no cache, as upstream). */
export function createMappingCache<V = CachedMapping>(opts: MappingCacheOptions): MappingCache<V> | null {
  if (!(opts.size > 0)) return null;
  const telemetry = opts.telemetry ?? NOOP_CACHE_TELEMETRY;
  switch (opts.type) {
    case 'lru':
      return new LruMappingCache<V>(opts.size, telemetry);
    case 'random':
      return new RandomMappingCache<V>(opts.size, telemetry, opts.random);
    default:
      throw new Error(`unknown mapping cache type ${JSON.stringify(opts.type)}`);
  }
}

export { LruMappingCache } from './lru';
export { RandomMappingCache } from './random';
