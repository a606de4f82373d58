// Random-replacement mapping cache (upstream: pkg/mappercache/randomreplacement): when full,
// a random entry is evicted. Only the length is reported, as upstream (its Get counts
// neither gets nor hits).
import type { MappingCache, MappingCacheTelemetry } from './index';

interface Slot<V> {
  value: V;
  /** Position in `keys`, for O(1) removal. */
  pos: number;
}

export class RandomMappingCache<V> implements MappingCache<V> {
  private readonly items = new Map<string, Slot<V>>();
  private readonly keys: string[] = [];

  constructor(
    readonly maxSize: number,
    private readonly telemetry: MappingCacheTelemetry,
    private readonly random: () => number = Math.random,
  ) {
    if (!(maxSize > 0)) throw new RangeError('random cache size must be positive');
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): V | undefined {
    const slot = this.items.get(key);
    return slot === undefined ? undefined : slot.value;
  }

  set(key: string, value: V): void {
    const existing = this.items.get(key);
    if (existing !== undefined) {
      existing.value = value;
    } else {
      if (this.items.size >= this.maxSize) this.evictRandom();
      this.items.set(key, { value, pos: this.keys.length });
      this.keys.push(key);
    }
    this.telemetry.length(this.items.size);
  }

  clear(): void {
    this.items.clear();
    this.keys.length = 0;
    this.telemetry.length(0);
  }

  /** Removes one existing entry chosen at random (never the one being added). */
  private evictRandom(): void {
    const keys = this.keys;
    const n = keys.length;
    if (n === 0) return;
    const idx = Math.min(n - 1, Math.floor(this.random() * n));
    const victim = keys[idx];
    const last = keys[n - 1];
    keys[idx] = last;
    (this.items.get(last) as Slot<V>).pos = idx;
    keys.pop();
    this.items.delete(victim);
  }
}
