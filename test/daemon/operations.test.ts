// The operator's extensions through the built daemon (real process, real sockets on port 0):
// automatic mapping reload on changed content (atomic rename, Kubernetes ConfigMap symlink
// swap, a bad version kept out), /-/reset with --web.enable-lifecycle, and the cardinality
// insight endpoint.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from '../support/daemon';

const V1 = `mappings:
- match: "app.*.hits"
  name: "hits_total"
  labels: { app: "$1", version: "one" }
`;
const V2 = V1.replace('version: "one"', 'version: "two"');
const V3 = V1.replace('version: "one"', 'version: "three"');
const BAD = `mappings:
- match: "app.*.hits"
  name: "hits_total"
  action: explode
`;

let d: Daemon | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-bridge-ops-'));
}

/** Sends a line per attempt until the scrape shows it mapped with label `version`. */
async function expectVersion(daemon: Daemon, app: string, version: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await daemon.sendUdp(`app.${app}.hits:1|c`);
    const e = await daemon.scrape();
    if (e.find('hits_total', { app, version })) return;
    if (attempt > 100) throw new Error(`app ${app} never mapped with version ${version}:\n${e.all('hits_total').map((x) => JSON.stringify(x.labels)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('--statsd.mapping-config.auto-reload-interval', () => {
  test('an atomic rename, a bad version (kept out, counted) and the next good version', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mapping.yml');
    fs.writeFileSync(file, V1);
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`, '--statsd.mapping-config.auto-reload-interval=100ms'] });
    await expectVersion(d, 'a', 'one');

    // An editor's save: write a temporary file, rename it over the old one.
    fs.writeFileSync(path.join(dir, '.mapping.yml.swp'), V2);
    fs.renameSync(path.join(dir, '.mapping.yml.swp'), file);
    await expectVersion(d, 'b', 'two');

    fs.writeFileSync(file, BAD);
    const afterBad = await d.eventually((e) => {
      expect(e.value('statsd_exporter_config_reloads_total', { outcome: 'failure' })).toBe(1);
      return e;
    });
    expect(afterBad.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(1);
    // The old mapping stays in force.
    await expectVersion(d, 'c', 'two');
    expect(d.logs()).toContain('action');

    fs.writeFileSync(file, V3);
    await expectVersion(d, 'e', 'three');
    const last = await d.scrape();
    // One failure for the bad version, not one per interval.
    expect(last.value('statsd_exporter_config_reloads_total', { outcome: 'failure' })).toBe(1);
    expect(last.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(2);
  });

  test('a Kubernetes ConfigMap update: the ..data symlink is swapped to a new directory', async () => {
    // The kubelet's layout: mapping.yml -> ..data/mapping.yml, ..data -> ..<timestamp>/.
    const dir = tempDir();
    const writeVersion = (stamp: string, content: string) => {
      fs.mkdirSync(path.join(dir, stamp));
      fs.writeFileSync(path.join(dir, stamp, 'mapping.yml'), content);
      fs.symlinkSync(stamp, path.join(dir, '..data_tmp'));
      fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    };
    writeVersion('..2026_12_02_01', V1);
    fs.symlinkSync(path.join('..data', 'mapping.yml'), path.join(dir, 'mapping.yml'));
    d = await startDaemon({ args: [`--statsd.mapping-config=${path.join(dir, 'mapping.yml')}`, '--statsd.mapping-config.auto-reload-interval=100ms'] });
    await expectVersion(d, 'k', 'one');
    writeVersion('..2026_12_02_02', V2);
    await expectVersion(d, 'l', 'two');
  });

  test('off by default: a changed file waits for SIGHUP', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mapping.yml');
    fs.writeFileSync(file, V1);
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`] });
    await expectVersion(d, 'a', 'one');
    fs.writeFileSync(file, V2);
    // Events sent well after the change are still mapped by the first version...
    for (let i = 0; i < 5; i++) await d.sendUdp('app.z.hits:1|c');
    await d.eventually((e) => expect(e.value('hits_total', { app: 'z', version: 'one' })).toBe(5));
    expect((await d.scrape()).value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(0);
    // ...until the operator asks.
    d.proc.kill('SIGHUP');
    await expectVersion(d, 'y', 'two');
  });
});

describe('/-/reset', () => {
  test('drops all bridged series or one metric name, counted; names are free again', async () => {
    d = await startDaemon({ args: ['--web.enable-lifecycle'] });
    await d.sendUdp('reset.a:1|c\nreset.a:1|c|#k:v\nreset.b:2|g\nreset.c:3|ms');
    await d.eventually((e) => expect(e.value('reset_c_count')).toBe(1));

    expect((await d.http('GET', '/-/reset')).status).toBe(405);
    const one = await d.http('POST', '/-/reset?metric=reset_a');
    expect(one.status).toBe(200);
    expect(one.body).toBe('Reset 2 series of reset_a\n');
    let e = await d.scrape();
    expect(e.all('reset_a')).toHaveLength(0);
    expect(e.value('reset_b')).toBe(2);
    expect(e.value('statsd_bridge_resets_total')).toBe(1);
    expect(e.value('statsd_bridge_reset_series_total')).toBe(2);

    // A freed name may come back with another type; a cached line comes back as a new series.
    await d.sendUdp('reset.a:7|g\nreset.b:5|g');
    await d.eventually((x) => expect(x.value('reset_a')).toBe(7));

    const all = await d.http('PUT', '/-/reset');
    expect(all.body).toBe('Reset 3 series\n');
    e = await d.scrape();
    for (const n of ['reset_a', 'reset_b', 'reset_c_count']) expect(e.all(n)).toHaveLength(0);
    expect(e.value('statsd_bridge_reset_series_total')).toBe(5);
    // Self-metrics are not bridged series: they stay.
    expect(e.value('statsd_exporter_events_total', { type: 'gauge' })).toBe(3);
    await d.sendUdp('reset.b:1|c');
    await d.eventually((x) => expect(x.value('reset_b')).toBe(1));
    expect(d.logs()).toContain('Reset bridged series');
  });

  test('absent without --web.enable-lifecycle', async () => {
    d = await startDaemon();
    await d.sendUdp('keep.me:1|c');
    await d.eventually((e) => expect(e.value('keep_me')).toBe(1));
    expect((await d.http('POST', '/-/reset')).status).toBe(404);
    const e = await d.scrape();
    expect(e.value('keep_me')).toBe(1);
    expect(e.all('statsd_bridge_resets_total')).toHaveLength(0);
  });
});

describe('/api/v1/status/cardinality', () => {
  test('top metric names by series, the rule that made each, and what the series limit refused', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mapping.yml');
    fs.writeFileSync(file, `mappings:
- match: "req.*.*"
  name: "requests_total"
  labels: { route: "$1", user: "$2" }
- match: "db.*"
  name: "db_ops_total"
  labels: { op: "$1" }
`);
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`, '--statsd.max-series=25'] });
    const lines = [
      ...Array.from({ length: 20 }, (_, i) => `req.home.u${i}:1|c`),
      'db.read:1|c',
      'db.write:1|c',
      'raw.name:1|g',
      ...Array.from({ length: 10 }, (_, i) => `req.cart.u${i}:1|c`),
    ];
    for (let i = 0; i < lines.length; i += 8) await d.sendUdp(lines.slice(i, i + 8).join('\n'));
    await d.eventually((e) => expect(e.value('statsd_exporter_samples_total')).toBe(lines.length));

    const res = await d.http('GET', '/api/v1/status/cardinality?limit=2');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body) as {
      status: string;
      data: {
        seriesCount: number;
        metricNames: number;
        limits: { maxSeries: number };
        topMetrics: Array<{ name: string; type: string; series: number; rule: string }>;
        refused: { names: Array<{ name: string; refused: number }>; otherNames: number };
      };
    };
    expect(body.status).toBe('success');
    expect(body.data.seriesCount).toBe(25);
    expect(body.data.metricNames).toBe(3);
    expect(body.data.limits.maxSeries).toBe(25);
    expect(body.data.topMetrics).toEqual([
      { name: 'requests_total', type: 'counter', series: 22, rule: 'req.*.*' },
      { name: 'db_ops_total', type: 'counter', series: 2, rule: 'db.*' },
    ]);
    expect(body.data.refused).toEqual({ names: [{ name: 'requests_total', refused: 8 }], otherNames: 0 });

    const all = JSON.parse((await d.http('GET', '/api/v1/status/cardinality')).body) as typeof body;
    expect(all.data.topMetrics[2]).toEqual({ name: 'raw_name', type: 'gauge', series: 1, rule: '' });
    expect((await d.http('GET', '/api/v1/status/cardinality?limit=0')).status).toBe(400);
  });
});

describe('a reload rebuilds the series whose rule changed', () => {
  const mapping = (buckets: string, observer: string) => `mappings:
- match: "rpc.*.time"
  name: "rpc_seconds"
  observer_type: ${observer}
  ${observer === 'histogram' ? `histogram_options: { buckets: [${buckets}] }` : 'summary_options: { quantiles: [{ quantile: 0.5, error: 0.05 }] }'}
  labels: { method: "$1" }
- match: "db.time"
  name: "db_seconds"
  observer_type: histogram
  histogram_options: { buckets: [1] }
`;

  test('new buckets, then a new type, take effect on existing series; unchanged rules keep their data', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mapping.yml');
    fs.writeFileSync(file, mapping('0.1, 0.2', 'histogram'));
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`] });
    await d.sendUdp('rpc.get.time:50|ms\nrpc.put.time:150|ms\ndb.time:300|ms');
    let e = await d.eventually((x) => {
      expect(x.value('rpc_seconds_bucket', { method: 'put', le: '0.2' })).toBe(1);
      return x;
    });
    expect(e.value('statsd_bridge_series_rebuilt_total')).toBe(0);

    fs.writeFileSync(file, mapping('0.5, 1', 'histogram'));
    d.proc.kill('SIGHUP');
    await d.eventually((x) => expect(x.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(1));
    await d.sendUdp('rpc.get.time:700|ms\ndb.time:300|ms');
    e = await d.eventually((x) => {
      expect(x.value('rpc_seconds_bucket', { method: 'get', le: '1' })).toBe(1);
      return x;
    });
    // Rebuilt with the new buckets: the old ones are gone, the old observations too.
    expect(e.find('rpc_seconds_bucket', { method: 'get', le: '0.1' })).toBeUndefined();
    expect(e.value('rpc_seconds_count', { method: 'get' })).toBe(1);
    expect(e.find('rpc_seconds_count', { method: 'put' })).toBeUndefined();
    expect(e.value('statsd_bridge_series_rebuilt_total')).toBe(2);
    // db_seconds' rule did not change: its series kept counting.
    expect(e.value('db_seconds_count')).toBe(2);

    fs.writeFileSync(file, mapping('0.5, 1', 'summary'));
    d.proc.kill('SIGHUP');
    await d.eventually((x) => expect(x.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(2));
    await d.sendUdp('rpc.get.time:700|ms');
    e = await d.eventually((x) => {
      expect(x.value('rpc_seconds', { method: 'get', quantile: '0.5' })).toBe(0.7);
      return x;
    });
    expect(e.families.get('rpc_seconds')?.type).toBe('summary');
    expect(e.value('statsd_bridge_series_rebuilt_total')).toBe(3);
    // A type change of the same rule is a rebuild, not a conflict.
    expect(e.valueOr0('statsd_exporter_events_conflict_total', { type: 'observer', metric_name: 'rpc_seconds' })).toBe(0);
    expect(d.logs()).toContain('its series start again');
  });
});
