// The registry's name rules (statsd_exporter's pkg/registry, plus issue 11 row 6): whatever order
// events come in, the page stays a valid exposition, and what would break it is a conflict.
import { Registry, Histogram } from 'prom-client';
import { ManualClock } from '../../src/core/clock';
import { SeriesRegistry, type VectorOptions } from '../../src/registry/series-registry';
import type { MetricKind } from '../../src/registry/types';
import { checkExposition } from '../support/exposition-check';

const OPTIONS = {
  histogram: { buckets: [1, 2] },
  summary: { quantiles: [{ quantile: 0.5, error: 0.05 }], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 },
} as unknown as VectorOptions;

function newRegistry(reserved: (name: string) => boolean = () => false): SeriesRegistry {
  return new SeriesRegistry(new ManualClock(1000), { vectorCreated() {}, isReservedName: reserved, seriesDropped() {} });
}

/** Feeds (kind, name) events in order; returns which were conflicts, and checks the page. */
async function feed(r: SeriesRegistry, events: Array<[MetricKind, string]>): Promise<string[]> {
  const conflicts: string[] = [];
  for (const [kind, name] of events) {
    const res = r.lookup({ kind, name, labels: {}, help: 'h', ttlMs: 0, options: () => OPTIONS });
    if (!res.ok) conflicts.push(`${kind} ${name}`);
    else res.vector.update(res.series, 1, false);
  }
  checkExposition(await r.exposition.metrics());
  return conflicts;
}

describe('suffix conflicts', () => {
  // [first, then, conflict?]: the second event is refused exactly when both on one page would be invalid
  // (client_golang's gather-time suffix check) or upstream's registry refuses it.
  const table: Array<[[MetricKind, string], [MetricKind, string], boolean]> = [
    // Row 6: a histogram or summary named after a summary's or histogram's sample.
    [['summary', 'sx'], ['histogram', 'sx_count'], true],
    [['summary', 'sx'], ['summary', 'sx_sum'], true],
    [['histogram', 'hs'], ['summary', 'hs_sum'], true],
    [['histogram', 'hs'], ['histogram', 'hs_bucket'], true],
    [['histogram', 'hs'], ['summary', 'hs_count'], true],
    // ... and the forward direction (upstream's rules).
    [['summary', 'sx'], ['counter', 'sx_count'], true],
    [['summary', 'sx'], ['gauge', 'sx_sum'], true],
    [['histogram', 'hs'], ['counter', 'hs_bucket'], true],
    [['counter', 'c_count'], ['summary', 'c'], true],
    [['gauge', 'g_sum'], ['histogram', 'g'], true],
    [['gauge', 'g_bucket'], ['histogram', 'g'], true],
    // Same type: upstream lets these through and every scrape fails.
    [['histogram', 'h_count'], ['histogram', 'h'], true],
    [['summary', 's_sum'], ['summary', 's'], true],
    // Valid pages: nothing refused.
    [['counter', 'c'], ['counter', 'c_count'], false],
    [['counter', 'c'], ['histogram', 'c_count'], false],
    [['gauge', 'g'], ['summary', 'g_sum'], false],
    [['summary', 's'], ['histogram', 's_bucket'], false],
    [['gauge', 'g_bucket'], ['summary', 'g'], false],
  ];
  test.each(table)('%j then %j: conflict %s', async (first, then, conflict) => {
    expect(await feed(newRegistry(), [first, then])).toEqual(conflict ? [`${then[0]} ${then[1]}`] : []);
  });
});

test("names next to the bridge's own histograms and summaries are conflicts", async () => {
  // The self-metrics registry (prom-client) holds a histogram, as nodejs_gc_duration_seconds is.
  const own = new Registry();
  new Histogram({ name: 'own_seconds', help: 'h', registers: [own] });
  const r = newRegistry((name) => own.getSingleMetric(name) !== undefined);
  expect(await feed(r, [['counter', 'own_seconds_count'], ['histogram', 'own_seconds_sum'], ['gauge', 'own_seconds'], ['counter', 'fine_count']])).toEqual([
    'counter own_seconds_count',
    'histogram own_seconds_sum',
    'gauge own_seconds',
  ]);
  const page = (await own.metrics()) + (await r.exposition.metrics());
  checkExposition(page);
});

test('a summary that only got NaN/±Inf so far has claimed its name and is on the page', async () => {
  const r = newRegistry();
  for (const labels of [{}, { k: 'v' }] as Array<Record<string, string>>) {
    const res = r.lookup({ kind: 'summary', name: 'nf', labels, help: 'h', ttlMs: 0, options: () => OPTIONS });
    if (!res.ok) throw new Error(res.error);
    res.vector.update(res.series, NaN, false);
    res.vector.update(res.series, Infinity, false);
  }
  expect(r.lookup({ kind: 'counter', name: 'nf', labels: {}, help: 'h', ttlMs: 0, options: () => OPTIONS }).ok).toBe(false);
  const check = checkExposition(await r.exposition.metrics());
  expect(check.families.get('nf')?.type).toBe('summary');
  expect(check.families.get('nf')?.series.size).toBe(2);
  expect(r.seriesCount).toBe(2);
});
