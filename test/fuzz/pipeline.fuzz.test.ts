// Fuzzing everything after the parser, in process (no sockets, so the volume is cheap): the
// events of fuzzed lines go through the mapper (glob and regex rules, drop, labels,
// honor_labels, empty generated names), the exporter and the series registry with small
// cardinality limits and TTL sweeps on a fake clock; the exposition is checked strictly after
// every chunk. Asserted: nothing throws, /metrics always parses (no empty names, no reserved or
// duplicate labels, no duplicate series), the registry's count equals the series exposed, the
// limits hold, and every event is counted exactly once by the exporter.
import fc from 'fast-check';
import { Registry } from 'prom-client';
import type { StatsdEvent } from '../../src/line/events';
import { silentLogger } from '../../src/core/logger';
import { Exporter } from '../../src/exporter/exporter';
import { compileMappingConfig, createMappingCache, MetricMapper } from '../../src/mapper';
import { SeriesRegistry } from '../../src/registry/series-registry';
import { createSelfMetrics } from '../../src/telemetry/self-metrics';
import { checkExposition } from '../support/exposition-check';
import { parseExposition } from '../support/prom-text';
import { ALL_DIALECTS, LineAccountant, datagramPieces } from './accounting';
import { FUZZ_SEED, joinLines, lineBytes, mutate, prng, separator } from './generators';

const MAPPING = `
defaults:
  ttl: 30s
mappings:
- match: "foo.*"
  name: "mapped_foo_$1"
  labels:
    part: "$1"
- match: "drop.*"
  action: drop
  name: "dropped"
- match: "empty.*"
  name: "$1"
- match: "http.*.duration"
  observer_type: histogram
  histogram_options:
    buckets: [0.01, 1]
  name: "http_duration_seconds"
  labels:
    svc: "$1"
- match: "a.*"
  name: "a_total"
  ttl: 0s
  labels:
    le: "x"
    quantile: "y"
- match: '^x[-_](.*)$'
  match_type: regex
  name: "regex_$1"
  honor_labels: true
  labels:
    kk: "from_mapping"
`;

const MAX_SERIES = 800;
const MAX_PER_METRIC = 150;

function value(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseExposition(text).find(name, labels)?.value ?? 0;
}

function sum(text: string, name: string): number {
  return parseExposition(text)
    .all(name)
    .reduce((s, x) => s + x.value, 0);
}

test('mapper, exporter and registry under fuzzed events: no throw, valid exposition, exact event accounting', async () => {
  let now = 1_000_000;
  const clock = { nowMs: () => now };
  const selfRegistry = new Registry();
  const metrics = createSelfMetrics({ registry: selfRegistry, version: 'fuzz', revision: 'fuzz', cacheEnabled: true, runtimeMetrics: false });
  const mapper = new MetricMapper({
    config: compileMappingConfig(MAPPING, { source: 'fuzz.yml', logger: silentLogger }),
    cache: createMappingCache({ type: 'lru', size: 200 }),
  });
  const series = new SeriesRegistry(
    clock,
    {
      vectorCreated: (kind) => metrics.metricsCount.inc({ type: kind }),
      vectorRemoved: (kind) => metrics.metricsCount.dec({ type: kind }),
      isReservedName: metrics.isReservedName,
      seriesDropped: (reason) => metrics.seriesDropped[reason].inc(),
    },
    { maxSeries: MAX_SERIES, maxSeriesPerMetric: MAX_PER_METRIC },
  );
  metrics.bindSeriesCount(() => series.seriesCount);
  const exporter = new Exporter({ mapper, registry: series, metrics, logger: silentLogger });
  const accountant = new LineAccountant(ALL_DIALECTS, 64);

  const packets = fc.sample(
    fc.record({ lines: fc.array(lineBytes, { maxLength: 12 }), seps: fc.array(separator, { minLength: 1, maxLength: 3 }), seed: fc.integer() }),
    { seed: FUZZ_SEED + 1, numRuns: 6_000 },
  );
  let events = 0;
  let scrapes = 0;
  for (let p = 0; p < packets.length; p++) {
    const { lines, seps, seed } = packets[p];
    const rand = prng(seed);
    // Names the mapping cares about, so its rules fire often.
    const prefixes = ['foo.', 'drop.', 'empty.', 'http.api.', 'a.', 'x-', ''];
    const variants = [lines, lines.map((l) => Buffer.concat([Buffer.from(prefixes[Math.floor(rand() * prefixes.length)]), l])), lines.map((l) => mutate(l, rand))];
    for (const v of variants) {
      const out: StatsdEvent[] = [];
      for (const piece of datagramPieces(joinLines(v, seps, ''))) accountant.line(piece, out);
      events += out.length;
      exporter.handleEvents(out);
    }
    if (p % 200 === 199) {
      now += 2_000; // series pass their 30 s TTL after 15 chunks
      series.sweep();
      const bridged = await series.exposition.metrics();
      const check = checkExposition(bridged);
      let exposed = 0;
      for (const f of check.families.values()) {
        exposed += f.series.size;
        expect(f.series.size).toBeLessThanOrEqual(MAX_PER_METRIC);
      }
      // The registry's count is what /metrics shows, and stays under the limit.
      expect(exposed).toBe(series.seriesCount);
      expect(series.seriesCount).toBeLessThanOrEqual(MAX_SERIES);
      checkExposition(await selfRegistry.metrics());
      scrapes++;
    }
  }
  accountant.checkTotals();

  const own = await selfRegistry.metrics();
  checkExposition(own);
  // Every event the parser produced is counted exactly once by the exporter.
  const applied = sum(own, 'statsd_exporter_events_total');
  const errors = sum(own, 'statsd_exporter_events_error_total');
  const conflicts = sum(own, 'statsd_exporter_events_conflict_total');
  const dropped = value(own, 'statsd_exporter_events_actions_total', { action: 'drop' });
  const limited = sum(own, 'statsd_bridge_series_dropped_total');
  expect(applied + errors + conflicts + dropped + limited).toBe(events);
  const mapped = value(own, 'statsd_exporter_events_actions_total', { action: 'map' });
  const unmapped = value(own, 'statsd_exporter_events_unmapped_total');
  const emptyName = value(own, 'statsd_exporter_events_error_total', { reason: 'empty_metric_name' });
  expect(mapped + unmapped + dropped + emptyName).toBe(events);
  // The fuzz reached the interesting outcomes.
  expect(events).toBeGreaterThan(50_000);
  expect(dropped).toBeGreaterThan(0);
  expect(emptyName).toBeGreaterThan(0);
  expect(conflicts).toBeGreaterThan(0);
  expect(limited).toBeGreaterThan(0);
  // Bounded label values: conflicting names beyond the cap fold into "other".
  expect(parseExposition(own).all('statsd_exporter_events_conflict_total').length).toBeLessThanOrEqual(4 * 1001);
  // eslint-disable-next-line no-console
  console.log(`pipeline fuzz: ${accountant.totals.lines} lines, ${events} events (${applied} applied, ${errors} errors, ${conflicts} conflicts, ${dropped} dropped by mapping, ${limited} refused by the series limits), ${scrapes} exposition checks, ${series.seriesCount} series held`);
});
