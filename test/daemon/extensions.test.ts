// The opt-in extensions through the built daemon (real process, real sockets on port 0):
// StatsD sets, `$0` in glob templates, several mapping files (start, --check-config, reload),
// and --web.disable-exporter-metrics.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT, startDaemon, type Daemon } from '../support/daemon';

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-bridge-ext-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const FIRST = `
defaults:
  ttl: 0s
mappings:
- match: "shop.*.orders"
  name: "orders_total"
  labels:
    shop: "$1"
    source: "first"
`;
const SECOND = `
mappings:
- match: "shop.*.orders"
  name: "never_used_total"
- match: "warehouse.*.stock"
  match_metric_type: gauge
  name: "stock_items"
  labels:
    warehouse: "$1"
`;

describe('daemon extensions', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  describe('StatsD sets', () => {
    test('off by default: sets are illegal events, as in statsd_exporter, and nothing set-related is exposed', async () => {
      d = await startDaemon();
      await d.sendUdp('users:1|s\nusers:alice|s\nmarker:1|c');
      const e = await d.eventually((x) => {
        expect(x.value('marker')).toBe(1);
        return x;
      });
      expect(e.find('users')).toBeUndefined();
      expect(e.value('statsd_exporter_sample_errors_total', { reason: 'illegal_event' })).toBe(1);
      expect(e.value('statsd_exporter_sample_errors_total', { reason: 'malformed_value' })).toBe(1);
      expect(e.find('statsd_exporter_events_total', { type: 'set' })).toBeUndefined();
      expect(e.families.has('statsd_bridge_set_values_dropped_total')).toBe(false);
    });

    test('--statsd.enable-sets: a gauge of distinct members per scrape interval, mapped like gauges', async () => {
      const mapping = tempDir({
        'm.yml': 'mappings:\n- match: "app.*.visitors"\n  match_metric_type: gauge\n  name: "unique_visitors"\n  labels:\n    app: "$1"\n',
      });
      d = await startDaemon({ args: ['--statsd.enable-sets', `--statsd.mapping-config=${path.join(mapping, 'm.yml')}`] });
      // One datagram: its events are applied together, so the scrape that sees the marker sees the sets.
      await d.sendUdp(
        ['app.web.visitors:alice|s', 'app.web.visitors:bob|s', 'app.web.visitors:alice|s', 'app.web.visitors:1|s', 'app.web.visitors:1.0|s|#region:eu', 'app.api.visitors:carol|s', 'plain.set:x|s', 'marker:1|c'].join('\n'),
      );
      const e = await d.eventually((x) => {
        expect(x.value('marker')).toBe(1);
        return x;
      });
      expect(e.families.get('unique_visitors')?.type).toBe('gauge');
      expect(e.value('unique_visitors', { app: 'web' })).toBe(3); // alice, bob, "1"
      expect(e.value('unique_visitors', { app: 'web', region: 'eu' })).toBe(1); // "1.0", another series
      expect(e.value('unique_visitors', { app: 'api' })).toBe(1);
      expect(e.value('plain_set')).toBe(1); // unmapped: escaped StatsD name
      expect(e.value('statsd_exporter_events_total', { type: 'set' })).toBe(7);
      // Vectors (label-name sets), as statsd_exporter counts them: {app}, {app,region}, {}.
      expect(e.value('statsd_exporter_metrics_total', { type: 'set' })).toBe(3);

      // The scrape reset the sets: the next interval starts from zero.
      const after = await d.scrape();
      expect(after.value('unique_visitors', { app: 'web' })).toBe(0);
      await d.sendUdp('app.web.visitors:dave|s\nmarker:1|c');
      const next = await d.eventually((x) => {
        expect(x.value('marker')).toBe(2);
        return x;
      });
      expect(next.value('unique_visitors', { app: 'web' })).toBe(1);
    });

    test('--statsd.set-max-values bounds the members per series and counts the overflow', async () => {
      d = await startDaemon({ args: ['--statsd.enable-sets', '--statsd.set-max-values=2'] });
      await d.sendUdp('s:a|s\ns:b|s\ns:c|s\ns:a|s\ns:d|s\nmarker:1|c');
      const e = await d.eventually((x) => {
        expect(x.value('marker')).toBe(1);
        return x;
      });
      expect(e.value('s')).toBe(2);
      expect(e.value('statsd_bridge_set_values_dropped_total')).toBe(2);
    });
  });

  test('$0 in a glob template is the whole StatsD name', async () => {
    const dir = tempDir({ 'm.yml': 'mappings:\n- match: "jobs.*.*"\n  name: "job_runs_total"\n  labels:\n    job: "$1"\n    statsd_name: "$0"\n' });
    d = await startDaemon({ args: [`--statsd.mapping-config=${path.join(dir, 'm.yml')}`] });
    await d.sendUdp('jobs.backup.done:1|c');
    await d.eventually((x) => expect(x.value('job_runs_total', { job: 'backup', statsd_name: 'jobs.backup.done' })).toBe(1));
  });

  describe('several --statsd.mapping-config files', () => {
    test('rules apply in file order; one file may hold the defaults', async () => {
      const dir = tempDir({ 'first.yml': FIRST, 'second.yml': SECOND });
      d = await startDaemon({ args: [`--statsd.mapping-config=${path.join(dir, 'first.yml')}`, '--statsd.mapping-config', path.join(dir, 'second.yml')] });
      await d.sendUdp('shop.berlin.orders:2|c\nwarehouse.north.stock:40|g');
      const e = await d.eventually((x) => {
        expect(x.value('stock_items', { warehouse: 'north' })).toBe(40);
        return x;
      });
      expect(e.value('orders_total', { shop: 'berlin', source: 'first' })).toBe(2);
      expect(e.find('never_used_total')).toBeUndefined();
      expect(e.value('statsd_exporter_loaded_mappings')).toBe(3);
    });

    test('--check-config checks every file and names the bad one', () => {
      const dir = tempDir({ 'first.yml': FIRST, 'second.yml': SECOND, 'bad.yml': 'mappings:\n- match: "a.*"\n  name: "ok"\n  labels:\n    x: "1"\n' });
      const ok = run(['--check-config', `--statsd.mapping-config=${path.join(dir, 'first.yml')}`, `--statsd.mapping-config=${path.join(dir, 'second.yml')}`]);
      expect(ok.status).toBe(0);
      expect(ok.stderr).toContain('mappings=3');
      const bad = run(['--check-config', `--statsd.mapping-config=${path.join(dir, 'first.yml')}`, `--statsd.mapping-config=${path.join(dir, 'bad.yml')}`]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain(`${path.join(dir, 'bad.yml')}: mappings[0].labels: invalid label key: x`);
      const twoDefaults = run(['--check-config', `--statsd.mapping-config=${path.join(dir, 'first.yml')}`, `--statsd.mapping-config=${path.join(dir, 'first.yml')}`]);
      expect(twoDefaults.status).toBe(1);
      expect(twoDefaults.stderr).toContain('only one mapping file may set them');
    });

    test('reload re-reads every file; a bad file keeps the previous rules', async () => {
      const dir = tempDir({ 'first.yml': FIRST, 'second.yml': SECOND });
      d = await startDaemon({ args: ['--web.enable-lifecycle', `--statsd.mapping-config=${path.join(dir, 'first.yml')}`, `--statsd.mapping-config=${path.join(dir, 'second.yml')}`] });
      fs.writeFileSync(path.join(dir, 'second.yml'), `${SECOND}- match: "warehouse.*.returns"\n  name: "returns_total"\n  labels:\n    warehouse: "$1"\n`);
      expect((await d.http('POST', '/-/reload')).status).toBe(200);
      await d.sendUdp('warehouse.south.returns:1|c');
      const e = await d.eventually((x) => {
        expect(x.value('returns_total', { warehouse: 'south' })).toBe(1);
        return x;
      });
      expect(e.value('statsd_exporter_loaded_mappings')).toBe(4);
      expect(e.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(1);

      fs.writeFileSync(path.join(dir, 'second.yml'), 'mappings:\n- match: "warehouse.*.returns"\n  match_type: fuzzy\n  name: x\n');
      expect((await d.http('POST', '/-/reload')).status).toBe(200);
      await d.sendUdp('warehouse.east.returns:1|c');
      const kept = await d.eventually((x) => {
        expect(x.value('returns_total', { warehouse: 'east' })).toBe(1);
        return x;
      });
      expect(kept.value('statsd_exporter_config_reloads_total', { outcome: 'failure' })).toBe(1);
      expect(kept.value('statsd_exporter_loaded_mappings')).toBe(4);
      expect(d.logs()).toContain('second.yml: mappings[0].match_type: invalid match type');
    });
  });

  describe('--web.disable-exporter-metrics', () => {
    const runtimeLines = (text: string) => text.split('\n').filter((l) => /^(# (HELP|TYPE) )?(nodejs|process)_/.test(l));

    test('without it, the nodejs_* and process_* runtime metrics are exposed', async () => {
      d = await startDaemon();
      const text = await d.scrapeText();
      expect(runtimeLines(text).some((l) => l.startsWith('process_cpu_seconds_total'))).toBe(true);
      expect(runtimeLines(text).some((l) => l.startsWith('nodejs_'))).toBe(true);
    });

    test('with it, they are left out and the statsd_exporter_* metrics stay', async () => {
      d = await startDaemon({ args: ['--web.disable-exporter-metrics'] });
      await d.sendUdp('a:1|c');
      await d.eventually((x) => expect(x.value('a')).toBe(1));
      const text = await d.scrapeText();
      expect(runtimeLines(text)).toEqual([]);
      expect(text).toContain('statsd_exporter_lines_total');
    });
  });
});
