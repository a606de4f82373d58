// The series cache (src/ingest/series-cache.ts) and the byte-level ingest path in front of it
// must be invisible: the same packets give the same series, values and self-metrics as the full
// parser -> exporter -> registry path. Also: reload, TTL, cardinality guard, conflicts, order.
import { Registry } from 'prom-client';
import { ManualClock } from '../../src/core/clock';
import { silentLogger } from '../../src/core/logger';
import { defaultConfig } from '../../src/cli/flags';
import type { EventQueue } from '../../src/ingest/event-queue';
import type { SeriesCache } from '../../src/ingest/series-cache';
import { simpleDecimal, type Ingest } from '../../src/ingest/ingest';
import { parseGoFloat } from '../../src/line/gofloat';
import { compileMappingConfig } from '../../src/mapper/config';
import type { MetricMapper } from '../../src/mapper/mapper';
import type { SeriesLimits, SeriesRegistry } from '../../src/registry/series-registry';
import { createPipeline } from '../../src/pipeline';
import { createSelfMetrics } from '../../src/telemetry/self-metrics';
import { prng as rng } from '../fuzz/generators';

const MAPPING = `defaults:
  observer_type: histogram
  ttl: 0s
mappings:
  - match: app.*.duration
    match_metric_type: observer
    name: app_\${1}_duration_seconds
  - match: app.*.summary
    match_metric_type: observer
    observer_type: summary
    name: app_\${1}_summary
  - match: app.requests.*
    match_metric_type: counter
    name: app_requests_total
    labels:
      kind: $1
  - match: app.scaled.*
    name: app_scaled_\${1}
    scale: 0.001
  - match: app.drop.*
    action: drop
    name: dropped
  - match: app.ttl.*
    name: app_ttl_\${1}
    ttl: 10s
  - match: app.empty.*
    name: "\${2}"
`;

interface Bridge {
  ingest: Ingest;
  queue: EventQueue;
  registry: SeriesRegistry;
  mapper: MetricMapper;
  clock: ManualClock;
  cache: SeriesCache | null;
  self: Registry;
  text(): Promise<string>;
}

function makeBridge(opts: { seriesCache: boolean; yaml?: string; flushThreshold?: number; limits?: SeriesLimits }): Bridge {
  const clock = new ManualClock(1_000_000);
  const self = new Registry();
  const metrics = createSelfMetrics({ registry: self, version: 't', revision: 't', cacheEnabled: true, runtimeMetrics: false });
  const config = {
    ...defaultConfig(),
    eventFlushThreshold: opts.flushThreshold ?? 1000,
    eventFlushIntervalMs: 0,
    maxSeries: opts.limits?.maxSeries ?? 0,
    maxSeriesPerMetric: opts.limits?.maxSeriesPerMetric ?? 0,
  };
  const { ingest, queue, series: registry, mapper, seriesCache: cache } = createPipeline({ config, metrics, logger: silentLogger, clock, seriesCache: opts.seriesCache });
  mapper.swap(compileMappingConfig(opts.yaml ?? MAPPING, { source: 'm.yml', logger: silentLogger }));
  return {
    ingest,
    queue,
    registry,
    mapper,
    clock,
    cache,
    self,
    text: async () => {
      queue.flush();
      // The flush counter differs by design (cached lines never flush early); the rest must not.
      const own = (await self.metrics()).split('\n').filter((l) => !l.startsWith('statsd_exporter_event_queue_flushed_total'));
      return `${await registry.exposition.metrics()}${own.join('\n')}`;
    },
  };
}


// Finite values (and text that is no value): a NaN or an infinity would stick in a counter and
// hide every later difference, so those have series of their own (the shapes below).
const VALUES = ['1', '2.5', '0', '-3', '+4', '-0', '1e3', '0x1p-2', '1_000', 'abc', '', '.5', '5.', '007', '123456789012345', '1234567890123456', '0.000000000000001', '1:2', '3:4:5', '0.1', '7.25'];
const SHAPES = [
  (v: string, r: () => number) => `app.requests.${r() < 0.5 ? 'get' : 'post'}:${v}|c|#route:/api/r${Math.floor(r() * 3)},method:GET`,
  (v: string) => `app.requests.get:${v}|c|@0.1|#route:/api/r1`,
  (v: string) => `app.requests.get:${v}|c|@0.1|@0.5|#route:/api/r1`,
  (v: string) => `app.requests.get:${v}|c|@bad`,
  (v: string) => `app.db.duration:${v}|ms|#q:select`,
  (v: string) => `app.db.duration:${v}|ms|@0.25|#q:select`,
  (v: string) => `app.db.duration:${v}|ms|@2|#q:select`,
  (v: string) => `app.db.duration:${v}|h`,
  (v: string) => `app.db.duration:${v}|d|#q:insert`,
  (v: string) => `app.db.summary:${v === '7.25' ? '+Inf' : v}|ms|#q:x`,
  (v: string) => `app.temp.gauge:${v}|g|#room:a`,
  (v: string) => `app.temp.gauge:${v}|g|#room:a|c:container1`,
  (v: string) => `app.scaled.bytes:${v}|c`,
  (v: string) => `app.scaled.level:${v}|g`,
  (v: string) => `app.drop.me:${v}|c|#a:b`,
  (v: string) => `app.empty.x:${v}|c`,
  (v: string) => `unmapped.thing:${v}|c`,
  (v: string) => `unmapped.thing:${v}|g`,
  (v: string) => `unmapped.thing,host=h1:${v}|c`,
  (v: string) => `unmapped.sfx[host=h1]:${v}|c`,
  (v: string) => `unmapped.librato#host=h1:${v}|c`,
  (v: string) => `unmapped.mixed#host=h1:${v}|c|#a:b`,
  (v: string) => `unmapped.badtags:${v}|c|#a:b,,c`,
  (v: string) => `unmapped.multi:${v}|c:${v}|g`,
  (v: string) => `unmapped.set:${v}|s`,
  (v: string) => `unmapped.unknown:${v}|x`,
  (v: string) => `unmapped.ts:${v}|c|T1700000000|#t:1`,
  (v: string) => `unmapped.cr:${v}|c\r`,
  (v: string) => `unmapped.ünïcode:${v}|c|#k:v`,
  (v: string) => `unmapped.tagval:${v}|c|#k:ünï`,
  (v: string) => `statsd_exporter_lines_total:${v}|c`,
  (v: string) => `a|b:${v}|c`,
  (v: string) => `a:${v}|b|c`,
  (v: string) => `:${v}|c`,
  (v: string) => `nocolon${v}`,
  (v: string) => `app.requests.get:${v}`,
  () => 'unmapped.special:NaN|g|#v:nan',
  () => 'unmapped.special:+Inf|c|#v:inf',
  () => 'unmapped.special:-Inf|g|#v:ninf',
  () => 'app.db.summary:+Inf|ms|#q:inf',
  () => 'app.db.duration:NaN|h|#q:nan',
];

function randomPackets(seed: number, count: number): Buffer[] {
  const r = rng(seed);
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    const n = 1 + Math.floor(r() * 12);
    for (let j = 0; j < n; j++) {
      const v = VALUES[Math.floor(r() * VALUES.length)];
      lines.push(r() < 0.03 ? '' : SHAPES[Math.floor(r() * SHAPES.length)](v, r));
    }
    let text = lines.join('\n');
    if (r() < 0.1) text += '\n';
    packets.push(r() < 0.02 ? Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0x0a]), Buffer.from('after.bad:1|c')]) : Buffer.from(text));
  }
  return packets;
}

describe('series cache: same results as the full path', () => {
  test.each([1, 2, 3, 4, 5])('random packets, seed %i', async (seed) => {
    const a = makeBridge({ seriesCache: true, flushThreshold: 1 + seed * 37 });
    const b = makeBridge({ seriesCache: false, flushThreshold: 1 + seed * 37 });
    for (const p of randomPackets(seed, 3000)) {
      a.ingest.packet(p);
      b.ingest.packet(p);
    }
    // And over TCP (one line per call).
    for (const line of ['app.requests.get:5|c|#route:/api/r0,method:GET', 'app.requests.get:7|c|#route:/api/r0,method:GET', 'app.db.duration:3|ms|#q:select', '']) {
      a.ingest.line(Buffer.from(line));
      b.ingest.line(Buffer.from(line));
    }
    expect(await a.text()).toBe(await b.text());
    // The cache did serve lines.
    expect(a.cache!.size).toBeGreaterThan(10);
  });
});

describe('series cache: invalidation and limits', () => {
  const send = (b: Bridge, ...lines: string[]) => {
    b.ingest.packet(Buffer.from(lines.join('\n')));
    b.queue.flush();
  };

  test('a mapping reload forgets the cached lines', async () => {
    const b = makeBridge({ seriesCache: true });
    send(b, 'app.requests.get:1|c', 'app.requests.get:1|c', 'app.requests.get:1|c');
    expect(await b.registry.exposition.metrics()).toContain('app_requests_total{kind="get"} 3');
    b.queue.flush();
    b.mapper.swap(compileMappingConfig('mappings:\n  - match: app.requests.*\n    name: renamed_${1}\n', { source: 'm.yml', logger: silentLogger }));
    send(b, 'app.requests.get:1|c', 'app.requests.get:1|c');
    const text = await b.registry.exposition.metrics();
    expect(text).toContain('renamed_get 2');
    expect(text).toContain('app_requests_total{kind="get"} 3');
  });

  test('an expired series (TTL) is created anew by the next cached line, and cached again', async () => {
    const b = makeBridge({ seriesCache: true });
    send(b, 'app.ttl.x:5|c', 'app.ttl.x:5|c', 'app.ttl.x:5|c');
    expect(await b.registry.exposition.metrics()).toContain('app_ttl_x 15');
    // A line served from the cache refreshes the series' last update like any other.
    b.clock.set(b.clock.nowMs() + 6_000);
    send(b, 'app.ttl.x:5|c');
    b.clock.set(b.clock.nowMs() + 6_000);
    expect(b.registry.sweep()).toBe(0);
    expect(await b.registry.exposition.metrics()).toContain('app_ttl_x 20');
    b.clock.set(b.clock.nowMs() + 11_000);
    expect(b.registry.sweep()).toBe(1);
    expect(await b.registry.exposition.metrics()).not.toContain('app_ttl_x');
    send(b, 'app.ttl.x:2|c');
    expect(await b.registry.exposition.metrics()).toContain('app_ttl_x 2\n');
    send(b, 'app.ttl.x:2|c', 'app.ttl.x:2|c');
    expect(await b.registry.exposition.metrics()).toContain('app_ttl_x 6');
    // Queued before the sweep, applied after it: the line still lands (in a new series).
    b.ingest.packet(Buffer.from('app.ttl.x:1|c'));
    b.clock.set(b.clock.nowMs() + 11_000);
    expect(b.registry.sweep()).toBe(1);
    b.queue.flush();
    expect(await b.registry.exposition.metrics()).toContain('app_ttl_x 1');
  });

  test('the cardinality guard refuses new series; cached series keep updating', async () => {
    const b = makeBridge({ seriesCache: true, limits: { maxSeries: 2, maxSeriesPerMetric: 0 } });
    send(b, 'x.a:1|c', 'x.a:1|c', 'x.b:1|c', 'x.b:1|c', 'x.c:1|c', 'x.c:1|c', 'x.a:1|c');
    const text = await b.registry.exposition.metrics();
    expect(text).toContain('x_a 3');
    expect(text).toContain('x_b 2');
    expect(text).not.toContain('x_c');
    expect(await b.self.metrics()).toContain('statsd_bridge_series_dropped_total{reason="max_series"} 2');
  });

  test('conflicting lines are counted every time', async () => {
    const b = makeBridge({ seriesCache: true });
    send(b, 'clash:1|c', 'clash:1|g', 'clash:1|g', 'clash:1|g', 'clash:1|c');
    expect(await b.registry.exposition.metrics()).toContain('clash 2');
    expect(await b.self.metrics()).toContain('statsd_exporter_events_conflict_total{type="gauge",metric_name="clash"} 3');
  });

  test('cached lines wait in the queue and apply in order with the others', async () => {
    const b = makeBridge({ seriesCache: true, flushThreshold: 1000 });
    send(b, 'g:1|g', 'g:1|g');
    // Cached ('g:5|g'), full path (the tags in another order make another key), cached again.
    b.ingest.packet(Buffer.from('g:5|g\ng:7|g|#x:1\ng:9|g'));
    expect(await b.registry.exposition.metrics()).toContain('g 1');
    b.queue.flush();
    const text = await b.registry.exposition.metrics();
    expect(text).toContain('g 9');
    expect(text).toContain('g{x="1"} 7');
  });

  test('served lines count the mapping-cache get and hit statsd_exporter counts', async () => {
    const b = makeBridge({ seriesCache: true });
    const c = makeBridge({ seriesCache: false });
    for (const x of [b, c]) send(x, ...Array.from({ length: 10 }, () => 'app.requests.get:1|c'));
    const pick = (t: string) => t.split('\n').filter((l) => l.startsWith('statsd_metric_mapper_cache_')).join('\n');
    expect(pick(await b.self.metrics())).toBe(pick(await c.self.metrics()));
  });
});

describe('simpleDecimal', () => {
  test('agrees with Go ParseFloat wherever it answers', () => {
    const r = rng(9);
    const samples = ['0', '-0', '+0', '1', '-1', '0.1', '.5', '5.', '007', '123456789012345', '999999999999999', '0.123456789012345', '3.14159', '-2.5', '1e5', '1_0', '', '+', '-', '.', 'abc', '1.2.3', '1234567890123456'];
    for (let i = 0; i < 20000; i++) {
      const digits = 1 + Math.floor(r() * 15);
      let s = '';
      for (let j = 0; j < digits; j++) s += String(Math.floor(r() * 10));
      const dot = Math.floor(r() * (digits + 1));
      if (r() < 0.7) s = `${s.slice(0, dot)}.${s.slice(dot)}`;
      if (r() < 0.3) s = (r() < 0.5 ? '-' : '+') + s;
      samples.push(s);
    }
    for (const s of samples) {
      const v = simpleDecimal(Buffer.from(s), 0, s.length);
      if (Number.isNaN(v)) continue;
      expect({ s, v }).toEqual({ s, v: parseGoFloat(s) });
      expect(Object.is(v, parseGoFloat(s))).toBe(true);
    }
  });
});
