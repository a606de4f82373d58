// One table-driven suite run over both cache implementations, plus what differs.
import {
  createMappingCache,
  LruMappingCache,
  RandomMappingCache,
  type MappingCache,
  type MappingCacheTelemetry,
  type MappingCacheType,
} from '../../src/mapper/cache';

interface Recorded extends MappingCacheTelemetry {
  lengths: number[];
  gets: number;
  hits: number;
}

function telemetry(): Recorded {
  const t: Recorded = {
    lengths: [],
    gets: 0,
    hits: 0,
    length: (n) => void t.lengths.push(n),
    get: () => void t.gets++,
    hit: () => void t.hits++,
  };
  return t;
}

/** A deterministic random source. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function make(type: MappingCacheType, size: number, t: MappingCacheTelemetry = telemetry()): MappingCache<string | null> {
  const c = createMappingCache<string | null>({ type, size, telemetry: t, random: seeded(42) });
  if (c === null) throw new Error('expected a cache');
  return c;
}

type Step =
  | { op: 'set'; key: string; value: string | null }
  | { op: 'get'; key: string; expect: string | null | undefined }
  | { op: 'clear' }
  | { op: 'size'; expect: number };

interface Case {
  name: string;
  size: number;
  steps: Step[];
  /** Expected telemetry length reports, in order. */
  lengths?: number[];
}

const cases: Case[] = [
  { name: 'an empty cache has nothing', size: 2, steps: [{ op: 'get', key: 'a', expect: undefined }, { op: 'size', expect: 0 }] },
  {
    name: 'a stored value comes back',
    size: 2,
    steps: [{ op: 'set', key: 'counter.a', value: 'A' }, { op: 'get', key: 'counter.a', expect: 'A' }, { op: 'get', key: 'gauge.a', expect: undefined }],
    lengths: [1],
  },
  {
    name: 'a cached miss (null) is not the same as absent',
    size: 2,
    steps: [{ op: 'set', key: 'm', value: null }, { op: 'get', key: 'm', expect: null }, { op: 'size', expect: 1 }],
  },
  {
    name: 'setting a key again replaces the value without growing',
    size: 3,
    steps: [
      { op: 'set', key: 'a', value: '1' },
      { op: 'set', key: 'a', value: '2' },
      { op: 'get', key: 'a', expect: '2' },
      { op: 'size', expect: 1 },
    ],
    lengths: [1, 1],
  },
  {
    name: 'the size never exceeds the limit, and the newest entry is kept',
    size: 3,
    steps: [
      ...['a', 'b', 'c', 'd', 'e'].map((k): Step => ({ op: 'set', key: k, value: k })),
      { op: 'size', expect: 3 },
      { op: 'get', key: 'e', expect: 'e' },
    ],
    lengths: [1, 2, 3, 3, 3],
  },
  {
    name: 'clear empties the cache and reports length 0',
    size: 3,
    steps: [
      { op: 'set', key: 'a', value: 'a' },
      { op: 'set', key: 'b', value: 'b' },
      { op: 'clear' },
      { op: 'size', expect: 0 },
      { op: 'get', key: 'a', expect: undefined },
      { op: 'set', key: 'c', value: 'c' },
      { op: 'get', key: 'c', expect: 'c' },
    ],
    lengths: [1, 2, 0, 1],
  },
  {
    name: 'a size-1 cache holds the last entry',
    size: 1,
    steps: [
      { op: 'set', key: 'a', value: 'a' },
      { op: 'set', key: 'b', value: 'b' },
      { op: 'get', key: 'a', expect: undefined },
      { op: 'get', key: 'b', expect: 'b' },
    ],
  },
];

describe.each<MappingCacheType>(['lru', 'random'])('%s cache: shared behaviour', (type) => {
  it.each(cases)('$name', ({ size, steps, lengths }) => {
    const t = telemetry();
    const cache = make(type, size, t);
    for (const step of steps) {
      switch (step.op) {
        case 'set':
          cache.set(step.key, step.value);
          break;
        case 'get':
          expect(cache.get(step.key)).toBe(step.expect);
          break;
        case 'clear':
          cache.clear();
          break;
        case 'size':
          expect(cache.size).toBe(step.expect);
          break;
      }
    }
    if (lengths) expect(t.lengths).toEqual(lengths);
  });

  it('size 0 (or less) means no cache', () => {
    expect(createMappingCache({ type, size: 0 })).toBeNull();
    expect(createMappingCache({ type, size: -1 })).toBeNull();
  });

  it('holds many entries up to the limit', () => {
    const cache = make(type, 100);
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, `v${i}`);
    expect(cache.size).toBe(100);
    let found = 0;
    for (let i = 0; i < 1000; i++) {
      const v = cache.get(`k${i}`);
      if (v !== undefined) {
        expect(v).toBe(`v${i}`);
        found++;
      }
    }
    expect(found).toBe(100);
  });
});

describe('LRU cache', () => {
  it('is an LruMappingCache', () => {
    expect(make('lru', 1)).toBeInstanceOf(LruMappingCache);
  });

  it('evicts the least recently used entry; a get counts as use', () => {
    const cache = make('lru', 3);
    cache.set('a', 'a');
    cache.set('b', 'b');
    cache.set('c', 'c');
    cache.get('a');
    cache.set('d', 'd');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('a');
    expect(cache.get('c')).toBe('c');
    expect(cache.get('d')).toBe('d');
  });

  it('counts gets and hits', () => {
    const t = telemetry();
    const cache = make('lru', 3, t);
    cache.get('a');
    cache.set('a', null);
    cache.get('a');
    cache.get('b');
    expect(t.gets).toBe(3);
    expect(t.hits).toBe(1);
  });
});

describe('random-replacement cache', () => {
  it('is a RandomMappingCache', () => {
    expect(make('random', 1)).toBeInstanceOf(RandomMappingCache);
  });

  it('reports only the length, as upstream', () => {
    const t = telemetry();
    const cache = make('random', 3, t);
    cache.get('a');
    cache.set('a', 'a');
    cache.get('a');
    expect(t.gets).toBe(0);
    expect(t.hits).toBe(0);
    expect(t.lengths).toEqual([1]);
  });

  it('evicts a random existing entry, following the random source', () => {
    const pick = (r: number): string[] => {
      const cache = createMappingCache<string>({ type: 'random', size: 3, random: () => r }) as MappingCache<string>;
      for (const k of ['a', 'b', 'c', 'd']) cache.set(k, k);
      return ['a', 'b', 'c', 'd'].filter((k) => cache.get(k) !== undefined);
    };
    expect(pick(0)).toEqual(['b', 'c', 'd']);
    expect(pick(0.5)).toEqual(['a', 'c', 'd']);
    expect(pick(0.99)).toEqual(['a', 'b', 'd']);
  });
});
