// Micro-benchmarks, in this process on one core: parsing, mapping at 10/100/1000 glob rules
// with the mapping cache on and off, series updates, the whole ingest path, and scrapes at
// 10k/100k series (the bridge's exposition writer next to prom-client's rendering).
import v8 from 'node:v8';
import vm from 'node:vm';
import { Registry, Summary } from 'prom-client';
import { ManualClock } from '../src/core/clock';
import { silentLogger } from '../src/core/logger';
import type { Labels, StatsdEvent } from '../src/line/events';
import { LineParser } from '../src/line/parser';
import { createMappingCache } from '../src/mapper/cache';
import { compileMappingConfig } from '../src/mapper/config';
import { MetricMapper } from '../src/mapper/mapper';
import { SeriesRegistry, type VectorOptions } from '../src/registry/series-registry';
import { makePipeline } from './pipeline';
import { LINES_PER_PACKET, LOAD_MAPPING_YAML, loadPackets, rng } from './traffic';

export interface MicroRow {
  name: string;
  opsPerSec: number;
  unit: string;
}
export interface MicroResult {
  rows: MicroRow[];
}

interface Ctx {
  quick: boolean;
  log: (s: string) => void;
  rows: MicroRow[];
}

/** Runs `fn` (which does `ops` operations) until `ms` have passed, 3 times; the best rate. */
function measure(fn: () => void, ops: number, ms: number): number {
  // Warm-up: the JIT settles.
  const warmEnd = Date.now() + Math.min(300, ms);
  while (Date.now() < warmEnd) fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const end = Date.now() + ms;
    do {
      fn();
      n++;
    } while (Date.now() < end);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, (n * ops) / s);
  }
  return best;
}

function row(c: Ctx, name: string, opsPerSec: number, unit: string): void {
  c.rows.push({ name, opsPerSec, unit });
  c.log(`  ${name}: ${opsPerSec >= 1e6 ? `${(opsPerSec / 1e6).toFixed(2)}M` : `${(opsPerSec / 1e3).toFixed(1)}k`} ${unit}/s (${(1e9 / opsPerSec).toFixed(0)} ns each)`);
}

export async function runMicro(o: { quick: boolean; log: (s: string) => void }): Promise<MicroResult> {
  const c: Ctx = { quick: o.quick, log: o.log, rows: [] };
  const ms = o.quick ? 300 : 1000;
  parseBench(c, ms);
  ingestBench(c, ms);
  mappingBench(c, ms);
  updateBench(c, ms);
  await scrapeBench(c);
  await summaryMemoryBench(c);
  return { rows: c.rows };
}

/** LineParser alone: the load test's packets (16 lines each) into events. */
function parseBench(c: Ctx, ms: number): void {
  const packets = loadPackets(1024, LINES_PER_PACKET, 1);
  const parser = new LineParser({ dogstatsd: true, influxdb: true, librato: true, signalfx: true });
  const out: StatsdEvent[] = [];
  let i = 0;
  const lines = measure(
    () => {
      for (let k = 0; k < 64; k++) {
        parser.parsePacket(packets[i], out);
        i = (i + 1) % packets.length;
        out.length = 0;
      }
    },
    64 * LINES_PER_PACKET,
    ms,
  );
  row(c, 'parse (LineParser.parsePacket, anything-llm lines with DogStatsD tags)', lines, 'lines');
}

/** The daemon's whole path without sockets: packet -> series updated, with and without the series cache. */
function ingestBench(c: Ctx, ms: number): void {
  for (const [label, perPacket] of [
    ['16-line packets', LINES_PER_PACKET],
    ['1-line packets', 1],
  ] as const) {
    for (const cached of [true, false]) {
      const p = makePipeline({ mappingYaml: LOAD_MAPPING_YAML, seriesCache: cached });
      const packets = loadPackets(perPacket === 1 ? 16384 : 1024, perPacket, 1);
      let i = 0;
      const batch = perPacket === 1 ? 1024 : 64;
      const rate = measure(
        () => {
          for (let k = 0; k < batch; k++) {
            p.ingest.packet(packets[i]);
            i = (i + 1) % packets.length;
          }
          p.queue.flush();
        },
        batch * perPacket,
        ms,
      );
      row(c, `ingest ${label}: split, parse, map, update (${cached ? 'series cache' : 'no series cache: parser -> events -> exporter'})`, rate, 'lines');
    }
  }
}

/** `n` glob rules of the shapes found in real mapping files, and names that match them. */
function globRules(n: number): { yaml: string; names: string[] } {
  const rules: string[] = ['mappings:'];
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        rules.push(`  - match: svc${i}.*.request.*`, `    name: svc${i}_request_\${2}`, '    labels:', '      handler: $1');
        names.push(`svc${i}.h${i % 7}.request.duration`);
        break;
      case 1:
        rules.push(`  - match: app.svc${i}.*.*`, `    name: app_\${2}`, '    labels:', `      svc: svc${i}`, '      op: $1');
        names.push(`app.svc${i}.get.latency`);
        break;
      case 2:
        rules.push(`  - match: db.*.pool${i}.*`, `    name: db_pool_\${2}`, '    labels:', '      db: $1', `      pool: p${i}`);
        names.push(`db.main.pool${i}.active`);
        break;
      default:
        rules.push(`  - match: jobs.queue${i}.*.count`, `    name: jobs_count`, '    labels:', `      queue: q${i}`, '      state: $1');
        names.push(`jobs.queue${i}.done.count`);
    }
  }
  return { yaml: rules.join('\n') + '\n', names };
}

/** MetricMapper.getMapping at 10, 100 and 1000 glob rules; cache off, cache hits, cache misses. */
function mappingBench(c: Ctx, ms: number): void {
  for (const n of [10, 100, 1000]) {
    const { yaml, names } = globRules(n);
    const config = compileMappingConfig(yaml, { source: 'bench.yml', logger: silentLogger });
    // 4096 names spread over all rules (and 1/8 that match nothing).
    const r = rng(n);
    const lookups: string[] = [];
    for (let i = 0; i < 4096; i++) lookups.push(i % 8 === 7 ? `unmapped.metric${i}.x` : names[Math.floor(r() * names.length)]);
    // The same rules matched by 64k distinct names (the wildcard segment varies): an LRU of 1000 misses.
    const uniques: string[] = [];
    for (let i = 0; i < 65536; i++) {
      uniques.push(names[i % names.length].replace(/\.(h\d+|get|main|done)\./, `.$1x${i}.`));
    }
    const run = (mapper: MetricMapper, keys: string[]) => {
      let i = 0;
      return measure(
        () => {
          for (let k = 0; k < 1024; k++) {
            mapper.getMapping(keys[i], 'counter');
            i = (i + 1) % keys.length;
          }
        },
        1024,
        ms,
      );
    };
    const off = new MetricMapper({ config, cache: null });
    row(c, `map, ${n} glob rules, cache off`, run(off, lookups), 'lookups');
    const hits = new MetricMapper({ config, cache: createMappingCache({ type: 'lru', size: 1000 }) });
    const hot = lookups.slice(0, 512);
    row(c, `map, ${n} glob rules, cache on (hits)`, run(hits, hot), 'lookups');
    const misses = new MetricMapper({ config, cache: createMappingCache({ type: 'lru', size: 1000 }) });
    row(c, `map, ${n} glob rules, cache on (misses: 64k distinct names)`, run(misses, uniques), 'lookups');
  }
}

const OPTIONS: VectorOptions = {
  histogram: { buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], nativeHistogramBucketFactor: 0, nativeHistogramMaxBuckets: 0 },
  summary: { quantiles: [{ quantile: 0.5, error: 0.05 }], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 },
};

function newRegistry(): SeriesRegistry {
  return new SeriesRegistry(new ManualClock(0), { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} });
}

/** An existing series updated through a registry lookup (labels -> key -> series), and through a held handle. */
function updateBench(c: Ctx, ms: number): void {
  const reg = newRegistry();
  const labelSets: Labels[] = [];
  for (let i = 0; i < 1000; i++) labelSets.push({ route: `/api/r${i % 50}`, method: i % 2 ? 'GET' : 'POST', status: `${2 + (i % 3)}xx`, shard: `s${i % 7}` });
  for (const kind of ['counter', 'histogram'] as const) {
    const handles = labelSets.map((labels) => {
      const res = reg.lookup({ kind, name: `bench_${kind}`, labels, help: 'h', ttlMs: 0, options: () => OPTIONS });
      if (!res.ok) throw new Error(res.error);
      return res;
    });
    let i = 0;
    const viaLookup = measure(
      () => {
        for (let k = 0; k < 1000; k++) {
          const res = reg.lookup({ kind, name: `bench_${kind}`, labels: labelSets[i], help: 'h', ttlMs: 0, options: () => OPTIONS });
          if (res.ok) res.vector.update(res.series, 0.3, false);
          i = (i + 1) % labelSets.length;
        }
      },
      1000,
      ms,
    );
    row(c, `series update, ${kind}, registry lookup per event (4 labels)`, viaLookup, 'updates');
    const viaHandle = measure(
      () => {
        for (let k = 0; k < 1000; k++) {
          const h = handles[i];
          if (h.ok) h.vector.update(h.series, 0.3, false);
          i = (i + 1) % handles.length;
        }
      },
      1000,
      ms,
    );
    row(c, `series update, ${kind}, cached series handle`, viaHandle, 'updates');
  }
}

/** One scrape at 10k and 100k series (10% histograms): the bridge's writer, and prom-client's. */
async function scrapeBench(c: Ctx): Promise<void> {
  for (const total of c.quick ? [10_000, 50_000] : [10_000, 100_000]) {
    const reg = newRegistry();
    for (let i = 0; i < total; i++) {
      const histogram = i % 10 === 0;
      const res = reg.lookup({
        kind: histogram ? 'histogram' : 'counter',
        name: histogram ? 'bench_latency_seconds' : 'bench_requests_total',
        labels: histogram ? { route: `/r/${i}`, method: 'GET' } : { model: `m${i}`, kind: 'prompt' },
        help: 'Bench.',
        ttlMs: 0,
        options: () => OPTIONS,
      });
      if (res.ok) res.vector.update(res.series, i % 97, false);
    }
    const plain = new Registry();
    for (const m of reg.exposition.getMetricsAsArray()) plain.registerMetric(m as never);
    const best = async (f: () => Promise<string>) => {
      let ms = Infinity;
      let bytes = 0;
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        bytes = (await f()).length;
        ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return { ms, bytes };
    };
    const ours = await best(() => reg.exposition.metrics());
    const theirs = await best(() => plain.metrics());
    c.rows.push({ name: `scrape ${total / 1000}k series (${(ours.bytes / 1048576).toFixed(1)} MB), bridge exposition writer`, opsPerSec: 1000 / ours.ms, unit: 'scrapes' });
    c.rows.push({ name: `scrape ${total / 1000}k series, prom-client Registry.metrics() (before)`, opsPerSec: 1000 / theirs.ms, unit: 'scrapes' });
    c.log(`  scrape ${total} series (${(ours.bytes / 1048576).toFixed(1)} MB): bridge writer ${ours.ms.toFixed(0)} ms, prom-client ${theirs.ms.toFixed(0)} ms (${(theirs.ms / ours.ms).toFixed(1)}x)`);
  }
}

/** Heap plus typed-array bytes after a full GC (the bench runs without --expose-gc, so ask V8). */
function retainedBytes(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Memory per summary series (default objectives, 10m/5 buckets, buf_cap 500) after `k`
 * observations each and one scrape: the bridge's CKMS summary, and prom-client's t-digest
 * Summary as the bridge used it before (one labelled Summary per vector). A row's
 * "opsPerSec" holds bytes per series (unit 'bytes/series').
 */
export async function summaryMemoryBench(c: Ctx): Promise<void> {
  const series = c.quick ? 1000 : 2000;
  const quantiles = [0.5, 0.9, 0.99];
  const options: VectorOptions = { ...OPTIONS, summary: { quantiles: quantiles.map((quantile, i) => ({ quantile, error: [0.05, 0.01, 0.001][i] })), maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 } };
  for (const k of [1, 100, 1000]) {
    const r = rng(k);
    let before = retainedBytes();
    let reg: SeriesRegistry | null = newRegistry();
    for (let i = 0; i < series; i++) {
      const res = reg.lookup({ kind: 'summary', name: 'bench_summary', labels: { route: `/r/${i}` }, help: 'h', ttlMs: 0, options: () => options });
      if (!res.ok) throw new Error(res.error);
      for (let j = 0; j < k; j++) res.vector.update(res.series, r() * 100, false);
    }
    await reg.exposition.metrics();
    const ours = (retainedBytes() - before) / series;
    reg = null;

    before = retainedBytes();
    let prom: Summary<string> | null = new Summary({ name: 'bench_summary', help: 'h', labelNames: ['route'], percentiles: quantiles, maxAgeSeconds: 600, ageBuckets: 5, registers: [] });
    for (let i = 0; i < series; i++) {
      const labels = { route: `/r/${i}` };
      for (let j = 0; j < k; j++) prom.observe(labels, r() * 100);
    }
    await prom.get();
    const theirs = (retainedBytes() - before) / series;
    prom = null;

    c.rows.push({ name: `summary memory per series, ${k} observation${k > 1 ? 's' : ''} each (CKMS, as client_golang)`, opsPerSec: ours, unit: 'bytes/series' });
    c.rows.push({ name: `summary memory per series, ${k} observation${k > 1 ? 's' : ''} each (prom-client t-digest, before)`, opsPerSec: theirs, unit: 'bytes/series' });
    c.log(`  summary memory, ${series} series x ${k} observations: ${ours.toFixed(0)} bytes/series (prom-client before: ${theirs.toFixed(0)})`);
  }
}
