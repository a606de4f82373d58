// The mapping workbench through the real CLI: `node bin/statsd-bridge.js mapping explain|test`
// (built by `npm run build`), with its exit codes, text and JSON output, and the shipped
// mapping tests in mapping/tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT } from '../support/daemon';

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-bridge-workbench-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const EXAMPLE = 'mapping/example.yml';

const FIRST = `
mappings:
- match: "shop.*.orders"
  name: "orders_total"
  labels:
    shop: "$1"
    source: "first"
- match: "shop.*.*"
  name: "shop_$2"
  labels:
    shop: "$1"
    metric: "$0"
`;
const SECOND = `
mappings:
- match: "shop.*.orders"
  name: "never_used"
- match: "warehouse.*.stock"
  match_metric_type: gauge
  name: "stock_items"
  labels:
    warehouse: "$1"
    source: "second"
`;

describe('statsd-bridge mapping explain', () => {
  test('text: rule, captures, series, options for mapped lines; unmapped, dropped and bad lines', () => {
    const r = cli([
      'mapping',
      'explain',
      `--statsd.mapping-config=${EXAMPLE}`,
      '--log.level=error',
      'myapp.api.users.get.200:2|c|#env:prod',
      'myapp.web.latency_us:1500|h',
      'debug.cache.misses:1|c',
      'some-service.requests:1|c',
      'foo:abc|c',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const blocks = r.stdout.split(/^> /m).filter(Boolean);
    expect(blocks).toHaveLength(5);

    expect(blocks[0]).toContain('myapp.api.users.get.200:2|c|#env:prod');
    expect(blocks[0]).toContain('rule      mapping/example.yml mappings[0] match "myapp.*.*.*.*" (glob, counter only)');
    expect(blocks[0]).toContain('captures  $1="api" $2="users" $3="get" $4="200"');
    expect(blocks[0]).toContain('series    counter http_requests_total{code="200",env="prod",method="get",resource="users",service="api"} += 2');
    expect(blocks[0]).toContain('ttl=10m');

    expect(blocks[1]).toContain('mappings[1] match "myapp.*.latency_us"');
    expect(blocks[1]).toContain('series    histogram web_request_duration_seconds{job="myapp"} observe 0.0015');
    expect(blocks[1]).toContain('buckets=[0.001, 0.01, 0.1, 1, 10]');
    expect(blocks[1]).toContain('scale=0.000001');

    expect(blocks[2]).toContain('mappings[6] match "debug\\\\..*" (regex)');
    expect(blocks[2]).toContain('result    dropped (action: drop)');
    expect(blocks[2]).not.toContain('series');

    expect(blocks[3]).toContain('rule      none matched');
    expect(blocks[3]).toContain('series    counter some_service_requests += 1');

    expect(blocks[4]).toContain('parse error: malformed_value: bad value: abc');
  });

  test('json: one object per line with rule, captures, metric and options', () => {
    const r = cli([
      'mapping',
      'explain',
      `--statsd.mapping-config=${EXAMPLE}`,
      '--output=json',
      '--log.level=error',
      'myapp.sms.queue_depth:3|g|#host:web-1',
      'jvm.heap.used:1024|g',
      'myapp.api.payload_bytes:10|h',
      'nothing.matches:1|c',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);

    const [gauge] = lines[0].events;
    expect(gauge.outcome).toBe('mapped');
    expect(gauge.rule).toMatchObject({ file: 'mapping/example.yml', index: 3, match: 'myapp.*.queue_depth', match_type: 'glob', match_metric_type: 'gauge' });
    expect(gauge.captures).toEqual([{ name: '$1', value: 'sms' }]);
    // honor_labels: the host tag wins over the mapping's "unknown".
    expect(gauge.metric).toMatchObject({ name: 'queue_depth', type: 'gauge', labels: { queue: 'sms', host: 'web-1' }, value: 3 });
    expect(gauge.options).toMatchObject({ ttl: '30s', honor_labels: true, scale: null });

    const [jvm] = lines[1].events;
    expect(jvm.captures).toEqual([
      { name: '$0', value: 'jvm.heap.used' },
      { name: '$1', group: 'pool', value: 'heap' },
      { name: '$2', value: 'used' },
    ]);
    expect(jvm.metric).toMatchObject({ name: 'jvm_memory_used_bytes', labels: { area: 'heap' } });

    const [summary] = lines[2].events;
    expect(summary.metric.type).toBe('summary');
    expect(summary.options.quantiles).toEqual([
      { quantile: 0.5, error: 0.05 },
      { quantile: 0.99, error: 0.001 },
    ]);
    expect(summary.options.max_age).toBe('5m');

    const [unmapped] = lines[3].events;
    expect(unmapped.outcome).toBe('unmapped');
    expect(unmapped.rule).toBeNull();
    expect(unmapped.metric).toMatchObject({ name: 'nothing_matches', type: 'counter' });
  });

  test('reads one line at a time from stdin when no LINE is given', () => {
    const r = cli(['mapping', 'explain', '--output=json'], 'a.b:1|c\r\n\nc.d:2|g\n');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual(['a.b:1|c', 'c.d:2|g']);
    expect(lines[1].events[0].metric).toMatchObject({ name: 'c_d', type: 'gauge', value: 2 });
  });

  test('the parse-*-tags flags change how lines are read', () => {
    const on = cli(['mapping', 'explain', '--output=json', 'req,region=eu:1|c']);
    const off = cli(['mapping', 'explain', '--output=json', '--statsd.parse-influxdb-tags=false', 'req,region=eu:1|c']);
    expect(JSON.parse(on.stdout).events[0].metric).toMatchObject({ name: 'req', labels: { region: 'eu' } });
    expect(JSON.parse(off.stdout).events[0].metric).toMatchObject({ name: 'req_region_eu', labels: {} });
  });

  test('several mapping files: rules apply in file order, each reported with its file', () => {
    const dir = tempDir({ 'first.yml': FIRST, 'second.yml': SECOND });
    const r = cli([
      'mapping',
      'explain',
      '--output=json',
      `--statsd.mapping-config=${path.join(dir, 'first.yml')}`,
      '--statsd.mapping-config',
      path.join(dir, 'second.yml'),
      'shop.berlin.orders:1|c',
      'warehouse.north.stock:40|g',
      'shop.paris.visits:3|c',
    ]);
    expect(r.code).toBe(0);
    const [orders, stock, visits] = r.stdout.trim().split('\n').map((l) => JSON.parse(l).events[0]);
    expect(orders.rule).toMatchObject({ file: path.join(dir, 'first.yml'), index: 0 });
    expect(orders.metric).toMatchObject({ name: 'orders_total', labels: { shop: 'berlin', source: 'first' } });
    expect(stock.rule).toMatchObject({ file: path.join(dir, 'second.yml'), index: 1 });
    expect(stock.metric).toMatchObject({ name: 'stock_items', labels: { warehouse: 'north', source: 'second' } });
    // `$0` in a glob template is the whole StatsD name.
    expect(visits.metric).toMatchObject({ name: 'shop_visits', labels: { shop: 'paris', metric: 'shop.paris.visits' } });
  });

  test('sets are parse errors by default and gauges of members with --statsd.enable-sets', () => {
    // As statsd_exporter: a numeric member is an illegal event, any other a malformed value.
    const off = cli(['mapping', 'explain', 'users:1|s', 'users:alice|s']);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('> users:1|s\n  parse error: illegal_event: no support for StatsD sets');
    expect(off.stdout).toContain('> users:alice|s\n  parse error: malformed_value: bad value: alice');
    const on = cli(['mapping', 'explain', '--statsd.enable-sets', '--output=json', 'users:alice|s|#app:web']);
    const [ev] = JSON.parse(on.stdout).events;
    expect(ev.statsd).toMatchObject({ type: 'set', value: 'alice' });
    expect(ev.lookup_type).toBe('gauge');
    expect(ev.metric).toMatchObject({ name: 'users', type: 'gauge', statsd_set: true, value: 'alice', labels: { app: 'web' } });
  });

  test('exit 1 on an invalid mapping file, naming the file, the rule and the key', () => {
    const dir = tempDir({ 'good.yml': FIRST, 'bad.yml': 'mappings:\n- match: a.b\n  name: ok\n- match: c.d\n  name: x\n  match_type: fuzzy\n' });
    const r = cli(['mapping', 'explain', `--statsd.mapping-config=${path.join(dir, 'good.yml')}`, `--statsd.mapping-config=${path.join(dir, 'bad.yml')}`, 'a.b:1|c']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${path.join(dir, 'bad.yml')}: mappings[1].match_type: invalid match type "fuzzy"`);
  });

  test('exit 2 on usage errors', () => {
    expect(cli(['mapping', 'explain', '--output=xml', 'a:1|c']).code).toBe(2);
    const unknown = cli(['mapping', 'explain', '--no-such-flag', 'a:1|c']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown long flag '--no-such-flag'");
    expect(cli(['mapping', 'frobnicate']).code).toBe(2);
    expect(cli(['mapping']).code).toBe(2);
  });

  test('--help documents the commands', () => {
    const r = cli(['mapping', 'explain', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--output=text|json');
    const top = cli(['--help']);
    expect(top.stdout).toContain('mapping explain');
    expect(top.stdout).toContain('mapping test FILE...');
    expect(top.stdout).toContain('--[no-]statsd.enable-sets');
    expect(top.stdout).toContain('--[no-]web.disable-exporter-metrics');
  });
});

describe('statsd-bridge mapping test', () => {
  test('the shipped mapping tests pass', () => {
    const files = fs.readdirSync(path.join(REPO_ROOT, 'mapping', 'tests')).filter((f) => f.endsWith('.yml')).map((f) => `mapping/tests/${f}`);
    expect(files).toEqual(expect.arrayContaining(['mapping/tests/anything-llm.yml', 'mapping/tests/example.yml']));
    const r = cli(['mapping', 'test', '--log.level=error', ...files]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.code).toBe(0);
    const m = /^(\d+) passed, 0 failed$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(17);
  });

  test('a broken expectation in a shipped test fails, with a -/+ diff', () => {
    const original = fs.readFileSync(path.join(REPO_ROOT, 'mapping/tests/example.yml'), 'utf8');
    const broken = original.replace("'api_request_duration_seconds_sum{job=\"myapp\"}'\n        value: 0.2515", "'api_request_duration_seconds_sum{job=\"myapp\"}'\n        value: 0.25");
    expect(broken).not.toBe(original);
    const dir = tempDir({ 'tests/example.yml': broken, 'example.yml': fs.readFileSync(path.join(REPO_ROOT, EXAMPLE), 'utf8') });
    const r = cli(['mapping', 'test', '--log.level=error', path.join(dir, 'tests/example.yml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  FAIL  scale turns microseconds (sent as a histogram value) into seconds');
    expect(r.stdout).toContain('-api_request_duration_seconds_sum{job="myapp"} 0.25\n');
    expect(r.stdout).toContain('+api_request_duration_seconds_sum{job="myapp"} 0.2515\n');
    expect(r.stdout).toMatch(/^8 passed, 1 failed$/m);
  });

  test('missing, unexpected and should-be-absent series, wrong types; several mapping files and flags', () => {
    const dir = tempDir({
      'maps/first.yml': FIRST,
      'maps/second.yml': SECOND,
      'tests/shop.yml': `
mapping_files: [../maps/first.yml, ../maps/second.yml]
flags: [--statsd.enable-sets]
tests:
  - name: passes
    lines:
      - shop.berlin.orders:2|c
      - warehouse.north.stock:40|g
      - shop.berlin.customers:alice|s
      - shop.berlin.customers:bob|s
      - shop.berlin.customers:alice|s
    expect:
      - series: 'orders_total{shop="berlin",source="first"}'
        value: 2
      - name: stock_items
        labels: {warehouse: north, source: second}
        value: 40
        type: gauge
      - series: 'shop_customers{metric="shop.berlin.customers",shop="berlin"}'
        value: 2
        type: gauge
    absent: [never_used]
  - name: fails
    lines:
      - shop.berlin.orders:2|c
      - shop.paris.orders:1|c
      - shop.berlin.visits:1|c
    expect:
      - series: 'orders_total{shop="berlin",source="first"}'
        value: 3
        type: gauge
      - series: 'missing_metric{a="b"}'
    absent:
      - 'shop_visits{shop="berlin"}'
`,
    });
    const r = cli(['mapping', 'test', path.join(dir, 'tests/shop.yml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  PASS  passes\n');
    expect(r.stdout).toContain('  FAIL  fails\n');
    const diff = r.stdout.split('  FAIL  fails\n')[1].split('\n        lines:')[0].trim().split('\n').map((l) => l.trim());
    expect(diff).toEqual([
      '-missing_metric{a="b"}',
      '-orders_total{shop="berlin",source="first"} 3',
      '+orders_total{shop="berlin",source="first"} 2',
      '-# TYPE orders_total gauge',
      '+# TYPE orders_total counter',
      '+orders_total{shop="paris",source="first"} 1   (unexpected series)',
      '+shop_visits{metric="shop.berlin.visits",shop="berlin"} 1   (expected absent: shop_visits{shop="berlin"})',
    ]);
    expect(r.stdout).toContain(`"shop.berlin.visits:1|c": ${path.join(dir, 'maps/first.yml')} mappings[1] ("shop.*.*") -> counter shop_visits`);
    expect(r.stdout).toMatch(/^1 passed, 1 failed$/m);
  });

  test('invalid test files and mapping files fail with a message; no file is a usage error', () => {
    const dir = tempDir({
      'typo.yml': 'mapping_files: [m.yml]\ntests:\n  - name: t\n    lines: ["a:1|c"]\n    expcet: []\n',
      'badmap.yml': 'mapping_files: [m.yml]\ntests:\n  - name: t\n    lines: ["a:1|c"]\n    absent: [a]\n',
      'm.yml': 'mappings:\n- match: a\n  name: "1bad"\n',
    });
    const r = cli(['mapping', 'test', path.join(dir, 'typo.yml'), path.join(dir, 'badmap.yml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tests[0]: unknown key "expcet"');
    expect(r.stdout).toContain(`${path.join(dir, 'm.yml')}: mappings[0].name: metric name '1bad' doesn't match regex`);
    expect(r.stdout).toMatch(/^0 passed, 2 failed$/m);

    const none = cli(['mapping', 'test']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no test file given');
  });
});
