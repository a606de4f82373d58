// Least-recently-used mapping cache (upstream: groupcache/lru behind pkg/mappercache/lru).
// A Map keeps insertion order, so re-inserting on access makes the first key the oldest.
import type { MappingCache, MappingCacheTelemetry } from './index';

export class LruMappingCache<V> implements MappingCache<V> {
  private readonly items = new Map<string, V>();

  constructor(
    readonly maxSize: number,
    private readonly telemetry: MappingCacheTelemetry,
  ) {
    if (!(maxSize > 0)) throw new RangeError('LRU cache size must be positive');
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): V | undefined {
    this.telemetry.get();
    const items = this.items;
    const value = items.get(key);
    if (value === undefined && !items.has(key)) return undefined;
    // Mark as most recently used.
    items.delete(key);
    items.set(key, value as V);
    this.telemetry.hit();
    return value;
  }

  set(key: string, value: V): void {
    const items = this.items;
    if (items.has(key)) items.delete(key);
    items.set(key, value);
    if (items.size > this.maxSize) {
      const oldest = items.keys().next();
      if (!oldest.done) items.delete(oldest.value);
    }
    this.telemetry.length(items.size);
  }

  clear(): void {
    this.items.clear();
    this.telemetry.length(0);
  }
}
