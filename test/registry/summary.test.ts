// Summaries computed as client_golang computes them: the CKMS targeted stream of beorn7/perks
// (src/registry/ckms-stream.ts), client_golang's hot/cold buffers and age-bucket rotation
// (src/registry/go-summary.ts), and the vector the series registry exposes (summary.ts).
// Expected values are derived by hand from the algorithm (steps in the comments); the last table
// holds values printed by a Go reference (perks v1.0.1 + summary.go's rotation, outside the repo).
import { ManualClock } from '../../src/core/clock';
import type { Labels } from '../../src/line/events';
import { TargetedStream, type Target } from '../../src/registry/ckms-stream';
import { GoSummary, summaryShape } from '../../src/registry/go-summary';
import { SeriesRegistry, type VectorOptions } from '../../src/registry/series-registry';
import type { SummaryOptions } from '../../src/mapper/types';

const DEFAULT_TARGETS: Target[] = [
  { quantile: 0.5, epsilon: 0.05 },
  { quantile: 0.9, epsilon: 0.01 },
  { quantile: 0.99, epsilon: 0.001 },
];
const MEDIAN_EPS_01: Target[] = [{ quantile: 0.5, epsilon: 0.1 }];

interface StreamCase {
  name: string;
  targets: Target[];
  /** perks' buffer size; 500 in production, smaller here to reach merge and compress by hand. */
  bufferCap: number;
  inserts: number[];
  /** The compressed list [value, width, delta] after the inserts (before any query). */
  samples: [number, number, number][];
  /** Queries in order (each one on a flushed stream compresses again, as perks does). */
  queries: [number, number][];
}

// ƒ for MEDIAN_EPS_01 (perks' targeted invariant): (2*0.1*r)/0.5 if 0.5*n <= r, else
// (2*0.1*(n-r))/(1-0.5), in float64: e.g. ƒ = 1.2000000000000002 for r = 3, 1.6 for r = 4.
const STREAM_CASES: StreamCase[] = [
  {
    // Never flushed (fewer than bufferCap values): the exact rank in the sorted buffer [1,2,3].
    // i = ceil(3*q) - 1 (not below 0): q=0 -> 0 -> 1; 0.5 -> ceil(1.5)=2 -> 2; 0.9 and 0.99 -> 3 -> 3.
    name: 'buffer only: exact ranks',
    targets: DEFAULT_TARGETS,
    bufferCap: 500,
    inserts: [3, 1, 2],
    samples: [],
    queries: [
      [0, 1],
      [0.5, 2],
      [0.9, 3],
      [0.99, 3],
    ],
  },
  {
    // Flush 1 at [5,1,3] -> sorted [1,3,5], appended (delta 0), n=3. compress: x=5, r=3-1-1=1;
    //   c=3: 1+1+0=2 <= ƒ(1)=0.2*2/0.5=0.8? no; r=0; c=1: 2 <= ƒ(0)=1.2000000000000002? no.
    // Flush 2 at [2,4,6]: v=2 goes before 3 at r=1, delta max(0, floor(ƒ(1)=0.8)-1)=0; n=4.
    //   v=4 goes before 5 at r=3 (0.5*4<=3: ƒ=0.6000000000000001/0.5=1.2000000000000002), delta 0; n=5.
    //   v=6 appended; n=6. List 1,2,3,4,5,6 (all width 1). compress from the top, n=6: x=6, r=4;
    //   c=5: 2 <= ƒ(4)=1.6 no (x=5, r=3); c=4: 2 <= ƒ(3)=1.2000000000000002 no (x=4, r=2);
    //   c=3: 2 <= ƒ(2)=0.8/0.5=1.6 no (x=3, r=1); c=2: 2 <= ƒ(1)=1/0.5=2 YES: 3 takes width 2,
    //   2 removed, r=0; c=1: 1+2+0=3 <= ƒ(0)=2.4000000000000004 no.
    // Query 0.5: compress again (no change); t=ceil(3)=3, t += ceil(ƒ(3)/2)=ceil(0.6000000000000001)=1 -> 4.
    //   Walk: r=1 at c=3: 1+2=3 > 4? no; r=3 at c=4: 4 > 4? no; r=4 at c=5: 5 > 4 -> return 4.
    // Query 0: t=0+ceil(2.4000000000000004/2)=2; r=1 at c=3: 3 > 2 -> return 1.
    // Query 1: t=6+ceil(ƒ(6)/2)=6+ceil(1.2000000000000002)=8; no sample passes 8 -> the last, 6.
    name: 'two flushes, one compression',
    targets: MEDIAN_EPS_01,
    bufferCap: 3,
    inserts: [5, 1, 3, 2, 4, 6],
    samples: [
      [1, 1, 0],
      [3, 2, 0],
      [4, 1, 0],
      [5, 1, 0],
      [6, 1, 0],
    ],
    queries: [
      [0.5, 4],
      [0, 1],
      [1, 6],
    ],
  },
  {
    // As above, then flush 3 at [0,3.5,7], n=6 at the start:
    //   v=0 before 1 at r=0: delta max(0, floor(ƒ(0)=2.4000000000000004)-1) = 1; n=7, r=1.
    //   v=3.5: r=1 (past 1), r=4 (past 3, width 2); before 4: 3.5<=4 so ƒ(4)=0.8/0.5=1.6, delta 0; n=8.
    //   v=7 appended; n=9. List 0(d1),1,3(w2),3.5,4,5,6,7.
    // compress, n=9 (ƒ(r) = 0.2r/0.5 when r >= 4.5, else 0.2(9-r)/0.5): x=7, r=9-1-1=7;
    //   c=6: 2 <= ƒ(7)=2.8000000000000003 YES (7 w2), r=6; c=5: 1+2=3 <= ƒ(6)=2.4000000000000004 no (x=5), r=5;
    //   c=4: 2 <= ƒ(5)=2 YES (5 w2), r=4; c=3.5: 3 <= ƒ(4)=2 no (x=3.5), r=3;
    //   c=3 (w2): 2+1=3 <= ƒ(3)=2.4000000000000004 no (x=3), r=1; c=1: 1+2=3 <= ƒ(1)=3.2 YES (3 w3), r=0;
    //   c=0: 1+3=4 <= ƒ(0)=3.6 no.  -> 0(w1,d1), 3(w3), 3.5, 5(w2), 7(w2).
    // Query 0.5: t=ceil(4.5)=5, ƒ(5)=2 -> t=6. r=1 at c=3: 4 > 6 no; r=4 at c=3.5: 5 > 6 no;
    //   r=5 at c=5: 7 > 6 -> 3.5.  Query 0: t=0+ceil(3.6/2)=2; r=1 at c=3: 4 > 2 -> 0.
    name: 'three flushes, an insert with delta 1',
    targets: MEDIAN_EPS_01,
    bufferCap: 3,
    inserts: [5, 1, 3, 2, 4, 6, 0, 3.5, 7],
    samples: [
      [0, 1, 1],
      [3, 3, 0],
      [3.5, 1, 0],
      [5, 2, 0],
      [7, 2, 0],
    ],
    queries: [
      [0.5, 3.5],
      [0, 0],
    ],
  },
  {
    // NaN compares neither way: Go's insertion sort (n <= 12) leaves [2,NaN,1] as it is
    // (NaN<2 false, 1<NaN false), so rank ceil(1.5)-1 = 1 is NaN and rank 2 is 1.
    name: 'NaN in the buffer, ordered as Go compares it',
    targets: DEFAULT_TARGETS,
    bufferCap: 500,
    inserts: [2, NaN, 1],
    samples: [],
    queries: [
      [0.5, NaN],
      [0.99, 1],
      [0, 2],
    ],
  },
  {
    // [NaN,1,2] stays too (1<NaN false; 2<1 false): the median is 1, the low end NaN.
    name: 'NaN first in the buffer',
    targets: DEFAULT_TARGETS,
    bufferCap: 500,
    inserts: [NaN, 1, 2],
    samples: [],
    queries: [
      [0.5, 1],
      [0, NaN],
      [0.99, 2],
    ],
  },
  {
    // -0 and 0 are equal to Go's `<`: [0,-0] stays, so rank 0 is 0 and rank 1 is -0.
    name: 'signed zeros keep their order',
    targets: DEFAULT_TARGETS,
    bufferCap: 500,
    inserts: [0, -0],
    samples: [],
    queries: [
      [0.5, 0],
      [0.99, -0],
    ],
  },
  {
    // A NaN in a flush: merge compares `c > NaN` (false everywhere) so NaN is appended after 1;
    // then 0 goes before 1 (delta max(0, floor(ƒ(0))-1) with n=2: ƒ=0.2*2/0.5=0.8 -> 0).
    // Flush 1 at [1,NaN]: sort leaves [1,NaN]; list 1, NaN; compress n=2: x=NaN, r=0; c=1:
    //   2 <= ƒ(0)=0.8 no. Flush 2 at [0,9]: 0 before 1 (delta 0, n=3); 9: past 1 (r=2) and past
    //   NaN (NaN > 9 false, r=3) -> appended; n=4. compress n=4: x=9, r=2; c=NaN: 2 <= ƒ(2)=0.8/0.5=1.6 no;
    //   r=1; c=1: 2 <= ƒ(1)=0.6000000000000001/0.5=1.2000000000000002 no; r=0; c=0: 2 <= ƒ(0)=1.6 no.
    // Query 0.5: t=2+ceil(ƒ(2)/2)=2+1=3; r=1 at c=1: 2 > 3 no; r=2 at c=NaN: 3 > 3 no; r=3 at c=9:
    //   4 > 3 -> NaN.
    name: 'NaN merged into the list',
    targets: MEDIAN_EPS_01,
    bufferCap: 2,
    inserts: [1, NaN, 0, 9],
    samples: [
      [0, 1, 0],
      [1, 1, 0],
      [NaN, 1, 0],
      [9, 1, 0],
    ],
    queries: [[0.5, NaN]],
  },
];

describe('CKMS targeted stream (perks quantile.NewTargeted)', () => {
  test.each(STREAM_CASES)('$name', (c) => {
    const s = new TargetedStream(c.targets, c.bufferCap);
    for (const v of c.inserts) s.insert(v);
    expect(s.count()).toBe(c.inserts.length);
    expect(s.samples()).toEqual(c.samples);
    for (const [q, want] of c.queries) expect([q, s.query(q)]).toEqual([q, want]);
  });

  test('an empty stream answers 0 (the summary reports NaN before asking)', () => {
    expect(new TargetedStream(DEFAULT_TARGETS).query(0.5)).toBe(0);
  });

  test('perks flushes its own buffer at 500 values, independent of buf_cap', () => {
    const s = new TargetedStream(DEFAULT_TARGETS);
    for (let i = 0; i < 499; i++) s.insert(i);
    expect(s.samples()).toEqual([]);
    s.insert(499);
    const merged = s.samples();
    expect(merged.length).toBeGreaterThan(0);
    expect(merged.length).toBeLessThan(500);
    expect(merged.reduce((n, x) => n + x[1], 0)).toBe(500);
  });

  test('reset empties the stream', () => {
    const s = new TargetedStream(MEDIAN_EPS_01, 3);
    for (const v of [1, 2, 3, 4]) s.insert(v);
    s.reset();
    expect(s.count()).toBe(0);
    expect(s.samples()).toEqual([]);
  });
});

const SUMMARY: SummaryOptions = { quantiles: [{ quantile: 0.5, error: 0.05 }, { quantile: 0.9, error: 0.01 }, { quantile: 0.99, error: 0.001 }], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 };

function scrape(s: GoSummary, nowMs: number): { count: number; sum: number; q: number[] } {
  const q: number[] = [];
  s.write(nowMs, q);
  return { count: s.count, sum: s.sum, q };
}

describe("client_golang's summary: buffers, flushes, rotation", () => {
  test('defaults: 10m max age in 5 buckets, buf_cap 500, the default objectives when none are given', () => {
    const shape = summaryShape({ quantiles: [], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 });
    expect(shape.streamDurationNs).toBe(120e9);
    expect(shape.ageBuckets).toBe(5);
    expect(shape.bufCap).toBe(500);
    expect(shape.sortedQuantiles).toEqual([0.5, 0.9, 0.99]);
  });

  test('objectives: sorted ascending, one per quantile, the last error for a repeated quantile wins', () => {
    const shape = summaryShape({ quantiles: [{ quantile: 0.99, error: 0.001 }, { quantile: 0.5, error: 0.2 }, { quantile: 0.5, error: 0.05 }], maxAgeSeconds: 1, ageBuckets: 3, bufCap: 0 });
    expect(shape.sortedQuantiles).toEqual([0.5, 0.99]);
    expect(shape.targets).toEqual([
      { quantile: 0.99, epsilon: 0.001 },
      { quantile: 0.5, epsilon: 0.05 },
    ]);
    // Go: time.Second / 3 = 333333333ns (integer division).
    expect(shape.streamDurationNs).toBe(333333333);
  });

  test('an empty summary reports NaN quantiles, count 0, sum 0', () => {
    const s = new GoSummary(summaryShape(SUMMARY), 0);
    expect(scrape(s, 0)).toEqual({ count: 0, sum: 0, q: [NaN, NaN, NaN] });
  });

  test('buf_cap: observations reach the streams (and count/sum) when the hot buffer fills, else at the scrape', () => {
    const s = new GoSummary(summaryShape({ ...SUMMARY, bufCap: 3 }), 0);
    s.observe(1, 0);
    s.observe(2, 0);
    expect([s.count, s.sum]).toEqual([0, 0]); // still in the hot buffer
    s.observe(3, 0); // full: swapped and flushed
    expect([s.count, s.sum]).toEqual([3, 6]);
    s.observe(4, 0);
    expect(s.count).toBe(3);
    // The scrape flushes the rest; buffer [1,2,3,4]: ranks ceil(4q)-1 = 1, 3, 3.
    expect(scrape(s, 0)).toEqual({ count: 4, sum: 10, q: [2, 4, 4] });
  });

  test('an observation after the hot buffer expired flushes the old buffer first (expiry is strict)', () => {
    // max_age 10s in 2 buckets: stream duration 5s, first expiry at created + 5s.
    const s = new GoSummary(summaryShape({ ...SUMMARY, maxAgeSeconds: 10, ageBuckets: 2 }), 0);
    s.observe(7, 1000);
    s.observe(8, 5000); // now == expiry: not After, stays buffered
    expect(s.count).toBe(0);
    s.observe(9, 5001); // After: [7,8] flushed, then 9 buffered
    expect([s.count, s.sum]).toEqual([2, 15]);
  });

  test('rotation: a scrape or observation past the head stream expiry resets it and moves to the next', () => {
    // Stream duration 5s (10s / 2). Both streams see every value; the head is queried.
    const s = new GoSummary(summaryShape({ ...SUMMARY, maxAgeSeconds: 10, ageBuckets: 2 }), 0);
    s.observe(100, 1000);
    expect(scrape(s, 1000)).toEqual({ count: 1, sum: 100, q: [100, 100, 100] });
    // t=6s > 5s: the (empty) hot buffer is swapped, its expiry moves to 10s, the flush rotates:
    // stream 0 (holding 100) is reset, stream 1 (holding 100) is the head. Then 200 is buffered.
    s.observe(200, 6000);
    // Scrape at 6s: 200 reaches both streams; head = stream 1 = [100, 200]:
    // 0.5 -> ceil(1)-1 = 0 -> 100; 0.9 and 0.99 -> ceil(1.8)-1 = 1 -> 200.
    expect(scrape(s, 6000)).toEqual({ count: 2, sum: 300, q: [100, 200, 200] });
    // Scrape at 11s: expiry 15s; stream 1 is reset, stream 0 (reset at 6s, then given 200) is the head.
    expect(scrape(s, 11000)).toEqual({ count: 2, sum: 300, q: [200, 200, 200] });
    // Scrape at 16s: stream 0 reset, stream 1 (empty since 11s) is the head: NaN, but count and sum stay.
    expect(scrape(s, 16000)).toEqual({ count: 2, sum: 300, q: [NaN, NaN, NaN] });
  });

  test('a long idle gap rotates once per elapsed stream duration (all streams cleared)', () => {
    const s = new GoSummary(summaryShape({ ...SUMMARY, maxAgeSeconds: 10, ageBuckets: 5 }), 0);
    for (let i = 1; i <= 5; i++) s.observe(i, 100);
    expect(scrape(s, 100).q).toEqual([3, 5, 5]);
    // 60s later: 30 stream durations passed; every stream was reset on the way.
    expect(scrape(s, 60_000)).toEqual({ count: 5, sum: 15, q: [NaN, NaN, NaN] });
  });

  test('expiry is compared in whole nanoseconds, as Go compares time.Time', () => {
    // 1s / 3 buckets = 333333333ns: the third expiry is at 999.999999 ms, so a scrape at exactly
    // +1000 ms is past it (three rotations: every stream reset). In float milliseconds at a real
    // epoch (1.7e12) that expiry rounds to +1000 ms, one rotation short, and 5 would still show.
    const created = 1_700_000_000_000;
    const s = new GoSummary(summaryShape({ ...SUMMARY, maxAgeSeconds: 1, ageBuckets: 3 }), created);
    s.observe(5, created + 1);
    expect(scrape(s, created + 1).q).toEqual([5, 5, 5]);
    expect(scrape(s, created + 1000).q).toEqual([NaN, NaN, NaN]);
  });

  test('NaN and ±Inf are observed as Go observes them', () => {
    const nan = new GoSummary(summaryShape(SUMMARY), 0);
    nan.observe(NaN, 0);
    expect(scrape(nan, 0)).toEqual({ count: 1, sum: NaN, q: [NaN, NaN, NaN] });

    const inf = new GoSummary(summaryShape(SUMMARY), 0);
    for (const v of [1, Infinity, 2]) inf.observe(v, 0);
    // Sorted [1,2,+Inf]: ranks 1, 2, 2.
    expect(scrape(inf, 0)).toEqual({ count: 3, sum: Infinity, q: [2, Infinity, Infinity] });

    const both = new GoSummary(summaryShape(SUMMARY), 0);
    for (const v of [-Infinity, Infinity]) both.observe(v, 0);
    // -Inf + +Inf = NaN; sorted [-Inf, +Inf]: 0.5 -> rank 0.
    expect(scrape(both, 0)).toEqual({ count: 2, sum: NaN, q: [-Infinity, Infinity, Infinity] });
  });
});

// Printed by the Go reference (perks v1.0.1 quantile package + summary.go's buffers and
// rotation, go1.19, amd64) for the sequences built below; [count, sum, ...quantiles].
describe('against the Go reference', () => {
  function lcg(seed: number): () => number {
    let x = seed >>> 0;
    return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16;
  }
  const show = (v: number) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v));

  test('1200 values (two perks flushes, merges, compressions), default objectives', () => {
    const r = lcg(1);
    const s = new GoSummary(summaryShape(SUMMARY), 1000);
    for (let i = 0; i < 1200; i++) s.observe((r() % 1000) / 10, 1000);
    const out = scrape(s, 1000);
    expect([out.count, show(out.sum), ...out.q.map(show)]).toEqual([1200, '58824.10000000006', '52', '91', '98.8']);
  });

  test('700 values with NaN and signed zeros, buf_cap 64, 2 age buckets over 4s, scraped every 100', () => {
    const r = lcg(2);
    const s = new GoSummary(summaryShape({ quantiles: [{ quantile: 0.25, error: 0.05 }, { quantile: 0.75, error: 0.01 }], maxAgeSeconds: 4, ageBuckets: 2, bufCap: 64 }), 1000);
    const got: (number | string)[][] = [];
    for (let i = 0; i < 700; i++) {
      const t = 1000 + i * 10;
      const d = r() % 50;
      s.observe(i % 13 === 0 ? NaN : d === 0 ? -0 : d === 1 ? 0 : d - 20, t);
      if (i % 100 === 99) {
        const out = scrape(s, t);
        got.push([out.count, show(out.sum), ...out.q.map(show)]);
      }
    }
    expect(got).toEqual([
      [100, 'NaN', '-7', 'NaN'],
      [200, 'NaN', '-5', 'NaN'],
      [300, 'NaN', '-5', '20'],
      [400, 'NaN', '-5', 'NaN'],
      [500, 'NaN', '-6', '26'],
      [600, 'NaN', '-6', '16'],
      [700, 'NaN', '-7', '20'],
    ]);
  });
});

describe('summary vector in the series registry', () => {
  const OPTIONS: VectorOptions = {
    histogram: { buckets: [1], nativeHistogramBucketFactor: 0, nativeHistogramMaxBuckets: 0 } as VectorOptions['histogram'],
    summary: { quantiles: [{ quantile: 0.99, error: 0.001 }, { quantile: 0.5, error: 0.05 }], maxAgeSeconds: 10, ageBuckets: 2, bufCap: 0 },
  };

  function setup() {
    const clock = new ManualClock(0);
    const reg = new SeriesRegistry(clock, { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} });
    const observe = (name: string, labels: Labels, v: number) => {
      const res = reg.lookup({ kind: 'summary', name, labels, help: 'h', ttlMs: 0, options: () => OPTIONS });
      if (!res.ok) throw new Error(res.error);
      res.vector.update(res.series, v, false);
    };
    return { clock, reg, observe };
  }

  test('renders quantiles ascending, then _sum and _count; rotation follows the registry clock', async () => {
    const { clock, reg, observe } = setup();
    for (const v of [3, 1, 2]) observe('rt_seconds', { route: '/a' }, v);
    observe('rt_seconds', { route: '/b' }, NaN);
    expect(await reg.exposition.metrics()).toBe(
      [
        '# HELP rt_seconds h',
        '# TYPE rt_seconds summary',
        'rt_seconds{route="/a",quantile="0.5"} 2',
        'rt_seconds{route="/a",quantile="0.99"} 3',
        'rt_seconds_sum{route="/a"} 6',
        'rt_seconds_count{route="/a"} 3',
        'rt_seconds{route="/b",quantile="0.5"} Nan',
        'rt_seconds{route="/b",quantile="0.99"} Nan',
        'rt_seconds_sum{route="/b"} Nan',
        'rt_seconds_count{route="/b"} 1',
        '',
      ].join('\n'),
    );
    // 2 buckets of 5s: after 11s both streams were reset; count and sum stay.
    clock.set(11_000);
    const text = await reg.exposition.metrics();
    expect(text).toContain('rt_seconds{route="/a",quantile="0.5"} Nan');
    expect(text).toContain('rt_seconds_count{route="/a"} 3');
  });
});
