// Debian's Prometheus, with its native-histograms feature flag, scrapes the bridge (it then asks
// for the protobuf format) and ingests a native histogram; histogram_quantile() over it gives the
// upper bound of the bucket the median falls in, computed here from the schema-3 boundaries.
import { ManualClock } from '../../src/core/clock';
import { bucketUpperBound } from '../../src/registry/native-histogram';
import { startInProcess, type InProcessBridge } from '../support/inprocess';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';

describe('native histograms through a real Prometheus', () => {
  let b: InProcessBridge;
  let prom: PrometheusServer;

  beforeAll(async () => {
    // Any loaded mapping file turns native buckets on (factor 1.1 = schema 3, 256 buckets), as in
    // statsd_exporter; this rule also keeps classic buckets.
    b = await startInProcess({
      clock: new ManualClock(1_700_000_000_000),
      mappingYaml: `
mappings:
- match: "api.*.latency"
  observer_type: histogram
  name: "api_latency_seconds"
  labels: { route: "$1" }
  histogram_options: { buckets: [0.1, 1] }
`,
    });
    // 50 ms and 2 s: the median (rank 1 of 2) is the top of the bucket holding 0.05 s.
    await b.sendTcp('api.chat.latency:50|ms\napi.chat.latency:2000|ms\n');
    await b.waitForLines(2);
    prom = await startPrometheus(
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: statsd-bridge',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${b.bridge.addresses.http.port}']`,
        '',
      ].join('\n'),
      {},
      ['--enable-feature=native-histograms'],
    );
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await b?.stop();
  });

  test('histogram_count and histogram_quantile over the native histogram', async () => {
    const count = await prom.eventually(async () => {
      const r = await prom.query('histogram_count(api_latency_seconds{route="chat"})');
      if (r.length !== 1) throw new Error(`no native histogram yet: ${JSON.stringify(r)} ${prom.logs()}`);
      return r[0].value;
    });
    expect(count).toBe(2);
    // 0.05 is in bucket ceil(8 * log2(0.05)) = -34 of schema 3, whose upper bound is 2^(-34/8).
    const expected = bucketUpperBound(-34, 3);
    expect(expected).toBeCloseTo(2 ** -4.25, 15);
    const [q] = await prom.query('histogram_quantile(0.5, api_latency_seconds{route="chat"})');
    expect(Math.abs(q.value - expected) / expected).toBeLessThan(1e-12);
    const [sum] = await prom.query('histogram_sum(api_latency_seconds{route="chat"})');
    expect(sum.value).toBeCloseTo(2.05, 12);
  }, 60_000);
});
