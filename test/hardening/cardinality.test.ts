// The cardinality guard (--statsd.max-series, --statsd.max-series-per-metric; statsd_exporter
// has none, upstream issue #350) and everything else that could grow per unique name: TTL
// expiry frees series and their memory, conflicting names are capped in the conflict counter's
// metric_name label, and a flood of a million unique names and a million unique label values
// through the daemon stays within a memory bound.
import v8 from 'node:v8';
import vm from 'node:vm';
import { ManualClock } from '../../src/core/clock';
import { SeriesRegistry } from '../../src/registry/series-registry';
import { CONFLICT_OVERFLOW_METRIC_NAME, MAX_CONFLICT_METRIC_NAMES } from '../../src/telemetry/self-metrics';
import { startDaemon, type Daemon } from '../support/daemon';
import { startInProcess, type InProcessBridge } from '../support/inprocess';
import { sendTcpStream, waitFor } from '../support/senders';

describe('cardinality guard (in process)', () => {
  let b: InProcessBridge | undefined;
  afterEach(async () => {
    await b?.stop();
    b = undefined;
  });

  test('past a limit new series are dropped and counted; existing series keep updating', async () => {
    b = await startInProcess({ clock: new ManualClock(1000), config: { maxSeries: 4, maxSeriesPerMetric: 2 } });
    await b.sendTcp('a:1|c\nb:1|c|#k:1\nb:1|c|#k:2\n');
    // b has 2 series (its limit): a third label value is refused.
    await b.sendTcp('b:1|c|#k:3\n');
    // c is the 4th series (the total limit); d would be the 5th and is refused.
    await b.sendTcp('c:1|c\nd:1|c\n');
    // Existing series still update.
    await b.sendTcp('a:5|c\nb:2|c|#k:1\nc:1|c\n');
    const e = await b.waitForLines(9);
    expect(e.value('a')).toBe(6);
    expect(e.value('b', { k: '1' })).toBe(3);
    expect(e.value('b', { k: '2' })).toBe(1);
    expect(e.value('c')).toBe(2);
    expect(e.find('b', { k: '3' })).toBeUndefined();
    expect(e.find('d')).toBeUndefined();
    expect(e.value('statsd_bridge_series')).toBe(4);
    expect(e.value('statsd_bridge_series_dropped_total', { reason: 'max_series_per_metric' })).toBe(1);
    expect(e.value('statsd_bridge_series_dropped_total', { reason: 'max_series' })).toBe(1);
    // Refused samples are not counted as applied events.
    expect(e.value('statsd_exporter_events_total', { type: 'counter' })).toBe(7);
  });

  test('TTL expiry frees series: statsd_bridge_series and metrics_total drop back, room for new series', async () => {
    const clock = new ManualClock(1_000_000);
    b = await startInProcess({ clock, config: { maxSeries: 100 }, mappingYaml: 'defaults:\n  ttl: 10s\nmappings: []\n' });
    const lines = Array.from({ length: 100 }, (_, i) => `ttl.name${i % 20}:1|c|#id:${i}`).join('\n');
    await b.sendTcp(lines + '\n');
    let e = await b.waitForLines(100);
    expect(e.value('statsd_bridge_series')).toBe(100);
    expect(e.value('statsd_exporter_metrics_total', { type: 'counter' })).toBe(20);
    // Full: a new series is refused.
    await b.sendTcp('ttl.new:1|c\n');
    e = await b.waitForLines(101);
    expect(e.value('statsd_bridge_series_dropped_total', { reason: 'max_series' })).toBe(1);

    clock.advance(10_001);
    expect(b.bridge.sweepNow()).toBe(100);
    e = await b.scrape();
    expect(e.value('statsd_bridge_series')).toBe(0);
    expect(e.value('statsd_exporter_metrics_total', { type: 'counter' })).toBe(0);
    expect(e.all('ttl_name0')).toHaveLength(0);
    // Room again; and a name whose series all expired is forgotten, so it may come back as a gauge.
    await b.sendTcp('ttl.new:1|c\nttl.name0:7|g\n');
    e = await b.waitForLines(103);
    expect(e.value('ttl_new')).toBe(1);
    expect(e.value('ttl_name0')).toBe(7);
    expect(e.families.get('ttl_name0')?.type).toBe('gauge');
    expect(e.value('statsd_bridge_series')).toBe(2);
  });

  test('conflicting names are capped in statsd_exporter_events_conflict_total{metric_name}', async () => {
    b = await startInProcess({ clock: new ManualClock(1000) });
    const n = MAX_CONFLICT_METRIC_NAMES + 500;
    const counters = Array.from({ length: n }, (_, i) => `conflict${i}:1|c`).join('\n');
    const gauges = Array.from({ length: n }, (_, i) => `conflict${i}:1|g`).join('\n');
    await b.sendTcp(`${counters}\n${gauges}\n`);
    const e = await b.waitForLines(2 * n);
    const samples = e.all('statsd_exporter_events_conflict_total');
    const names = new Set(samples.map((s) => s.labels.metric_name));
    expect(names.size).toBe(MAX_CONFLICT_METRIC_NAMES + 1);
    expect(names.has(CONFLICT_OVERFLOW_METRIC_NAME)).toBe(true);
    expect(e.value('statsd_exporter_events_conflict_total', { type: 'gauge', metric_name: CONFLICT_OVERFLOW_METRIC_NAME })).toBe(500);
    // Every conflict is still counted.
    expect(samples.reduce((s, x) => s + x.value, 0)).toBe(n);
  });

  test('an empty metric name or a reserved label name is a conflict, never an unscrapable series', async () => {
    b = await startInProcess({ clock: new ManualClock(1000) });
    await b.sendTcp(',tag=v:1|c\n#tag=v:1|c\nok:1|c|#__name__:x\nok2:1|ms|#__x:1\n');
    const e = await b.waitForLines(4);
    expect(e.samples.filter((s) => s.name === '' || Object.keys(s.labels).some((k) => k.startsWith('__')))).toEqual([]);
    expect(e.value('statsd_exporter_events_conflict_total', { type: 'counter', metric_name: '' })).toBe(2);
    expect(e.value('statsd_exporter_events_conflict_total', { type: 'counter', metric_name: 'ok' })).toBe(1);
    expect(e.value('statsd_exporter_events_conflict_total', { type: 'observer', metric_name: 'ok2' })).toBe(1);
  });
});

/** Node's gc(), exposed at run time (jest does not pass --expose-gc). */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

test('TTL expiry frees the memory of expired series, names and label sets', async () => {
  const gc = exposeGc();
  const clock = new ManualClock(1_000_000);
  const registry = new SeriesRegistry(clock, { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} });
  // Between collections, yield to the event loop: objects kept alive for the current job (weak
  // references read in it) and pending finalizers are only released after it.
  const heap = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    return process.memoryUsage().heapUsed;
  };
  const opts = () => ({ histogram: { buckets: [1] }, summary: { quantiles: [], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 } }) as never;
  const wave = (w: number) => {
    for (let i = 0; i < 50_000; i++) {
      // Ever-new names, and under one name ever-new label values and label-name sets.
      const r = registry.lookup({ kind: 'counter', name: `wave${w}_name${i}`, labels: { id: String(i) }, help: 'h', ttlMs: 1000, options: opts });
      const s = registry.lookup({ kind: 'gauge', name: 'steady', labels: { [`k${w}_${i % 50}`]: `v${w}_${i}` }, help: 'h', ttlMs: 1000, options: opts });
      if (!r.ok || !s.ok) throw new Error('lookup refused');
    }
  };
  wave(0);
  const full = await heap();
  clock.advance(1001);
  expect(registry.sweep()).toBe(100_000);
  const afterFirst = await heap();
  for (let w = 1; w <= 4; w++) {
    wave(w);
    clock.advance(1001);
    expect(registry.sweep()).toBe(100_000);
  }
  const afterFive = await heap();
  expect(registry.seriesCount).toBe(0);
  expect(registry.familyCount).toBe(0);
  const freed = full - afterFirst;
  // 100,000 series take tens of MB, and expiry gives it back; wave after wave nothing is left
  // behind (keeping each expired name would leave megabytes per wave).
  expect(freed).toBeGreaterThan(20e6);
  expect(afterFive - afterFirst).toBeLessThan(freed * 0.1);
  // eslint-disable-next-line no-console
  console.log(`TTL memory: ${(freed / 1e6).toFixed(1)} MB freed by the expiry of 100k series; ${((afterFive - afterFirst) / 1e6).toFixed(1)} MB more after 4 more waves`);
});

describe('flood through the daemon', () => {
  let d: Daemon | undefined;
  afterAll(async () => {
    await d?.stop();
  });

  // Measured on the development machine: with the guard the daemon peaks near 160 MB; without
  // it (--statsd.max-series=0 --statsd.max-series-per-metric=0) the million names alone take
  // ~980 MB and the million label values ~420 MB before any scrape, and several GB once scraped.
  const RSS_BOUND = 300e6;

  test('a million unique names and a million unique label values over TCP: bounded memory, drops counted', async () => {
    d = await startDaemon({ args: ['--statsd.max-series=10000', '--statsd.max-series-per-metric=2000'] });
    const N = 1_000_000;
    let peak = 0;
    const sample = async () => {
      const e = await d!.scrape();
      peak = Math.max(peak, e.value('process_resident_memory_bytes'));
      return e;
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sample();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const chunks = (line: (i: number) => string) => {
      const out: Buffer[] = [];
      for (let i = 0; i < N; i += 5000) {
        let s = '';
        for (let k = i; k < i + 5000; k++) s += line(k);
        out.push(Buffer.from(s));
      }
      return out;
    };
    // Label values first (one name: the per-metric limit), then names (the total limit).
    await sendTcpStream(d.tcpPort, chunks((i) => `flood.labels:1|c|#id:${i}\n`));
    await sendTcpStream(d.tcpPort, chunks((i) => `flood.name.${i}:1|c\n`));
    await waitFor(async () => (await d!.scrape()).value('statsd_exporter_lines_total') === 2 * N, 'all flood lines', 2400);
    sampling = false;
    await sampler;
    const e = await sample();
    expect(e.value('statsd_bridge_series')).toBe(10_000);
    const dropped = e.value('statsd_bridge_series_dropped_total', { reason: 'max_series' }) + e.value('statsd_bridge_series_dropped_total', { reason: 'max_series_per_metric' });
    expect(dropped).toBe(2 * N - 10_000);
    expect(e.value('statsd_bridge_series_dropped_total', { reason: 'max_series_per_metric' })).toBe(N - 2000);
    expect(e.value('statsd_bridge_series_dropped_total', { reason: 'max_series' })).toBe(N - 8000);
    expect(e.value('statsd_exporter_events_total', { type: 'counter' }) + dropped).toBe(2 * N);
    expect(peak).toBeLessThan(RSS_BOUND);
    // eslint-disable-next-line no-console
    console.log(`flood: peak RSS ${(peak / 1e6).toFixed(0)} MB (bound ${RSS_BOUND / 1e6} MB), ${dropped} samples refused, 10000 series held`);
  });
});
