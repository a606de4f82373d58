// /metrics in the protobuf format: negotiated from the Accept header, decoded with protobufjs (an
// independent decoder) and compared sample for sample with the text scrape of the same state.
import http from 'node:http';
import { ManualClock } from '../../src/core/clock';
import { negotiateFormat } from '../../src/http/negotiate';
import { startInProcess, type InProcessBridge } from '../support/inprocess';
import { parseExposition } from '../support/prom-text';
import { decodeDelimited, textSamples } from '../support/metric-family-proto';

const PROTO_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

function get(port: number, accept?: string): Promise<{ type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', headers: accept ? { accept } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const key = (s: { name: string; labels: Record<string, string>; value: number }) => {
  const labels = Object.keys(s.labels).sort().map((k) => `${k}=${k === 'le' || k === 'quantile' ? String(Number(s.labels[k] === '+Inf' ? Infinity : s.labels[k])) : s.labels[k]}`);
  return `${s.name}{${labels.join(',')}} ${s.value}`;
};

describe('negotiateFormat', () => {
  test.each([
    [undefined, 'text'],
    ['', 'text'],
    ['text/plain', 'text'],
    ['*/*', 'text'],
    [PROTO_ACCEPT, 'protobuf'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', 'protobuf'],
    ['text/plain;version=0.0.4;q=0.5,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6', 'protobuf'],
    ['text/plain;version=0.0.4,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', 'text'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text', 'text'],
    ['application/vnd.google.protobuf;proto=other;encoding=delimited', 'text'],
    ['application/openmetrics-text;version=1.0.0', 'text'],
  ])('%p -> %p', (accept, format) => expect(negotiateFormat(accept)).toBe(format));
});

describe('protobuf scrape', () => {
  let b: InProcessBridge;
  beforeAll(async () => {
    b = await startInProcess({
      clock: new ManualClock(1_700_000_000_000),
      config: { webDisableExporterMetrics: false },
      mappingYaml: `
mappings:
- match: "lat.*"
  observer_type: histogram
  name: "lat_seconds"
  labels: { route: "$1" }
  histogram_options: { buckets: [0.01, 0.1, 1], native_histogram_bucket_factor: 1.1, native_histogram_max_buckets: 100 }
- match: "sum.*"
  observer_type: summary
  name: "sum_seconds"
  labels: { route: "$1" }
`,
    });
    await b.sendTcp('hits:3|c|#a:x\nhits:2|c|#a:y\ntemp:-4.5|g\nlat.a:5|ms\nlat.a:50|ms\nlat.a:2000|ms\nlat.b:0|ms\nsum.a:1|ms\nsum.a:2|ms\n');
    await b.waitForLines(9);
  });
  afterAll(() => b.stop());

  test('served as protobuf only when asked for, with its content type', async () => {
    const text = await get(b.bridge.addresses.http.port);
    expect(text.type).toMatch(/^text\/plain/);
    const proto = await get(b.bridge.addresses.http.port, PROTO_ACCEPT);
    expect(proto.type).toBe('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=values');
  });

  test('the same series and values as the text format (self-metrics included)', async () => {
    const port = b.bridge.addresses.http.port;
    // Runtime metrics move between two scrapes; compare the rest.
    const moving = /^(process_|nodejs_)/;
    const proto = decodeDelimited((await get(port, PROTO_ACCEPT)).body);
    const text = parseExposition((await get(port)).body.toString('utf8'));
    const fromProto = textSamples(proto).filter((s) => !moving.test(s.name)).map(key).sort();
    const fromText = text.samples.filter((s) => !moving.test(s.name)).map(key).sort();
    expect(fromProto).toEqual(fromText);
    expect(fromProto.some((s) => s.startsWith('statsd_exporter_lines_total'))).toBe(true);
    expect(fromProto).toContain('hits{a=x} 3');
    expect(fromProto).toContain('lat_seconds_bucket{le=0.1,route=a} 2');
    // Family types and help as in the text.
    for (const f of proto) {
      if (moving.test(f.name)) continue;
      expect(text.families.get(f.name)?.type).toBe((f.type ?? 'COUNTER').toLowerCase());
    }
  });

  test('native buckets next to the classic ones', async () => {
    const proto = decodeDelimited((await get(b.bridge.addresses.http.port, PROTO_ACCEPT)).body);
    const lat = proto.find((f) => f.name === 'lat_seconds')!;
    const a = lat.metric.find((m) => m.label.some((l) => l.value === 'a'))!.histogram!;
    expect(a.schema).toBe(3);
    expect(a.zeroThreshold).toBe(2 ** -128);
    expect(a.zeroCount ?? 0).toBe(0);
    // 0.005 s, 0.05 s, 2 s at schema 3: keys ceil(8*log2(v)) = -61, -34, 8.
    expect(a.positiveSpan).toEqual([{ offset: -61, length: 1 }, { offset: 26, length: 1 }, { offset: 41, length: 1 }]);
    expect(a.positiveDelta).toEqual([1, 0, 0]);
    expect(a.bucket.map((x) => [x.upperBound, x.cumulativeCount])).toEqual([[0.01, 1], [0.1, 2], [1, 2]]);
    const bz = lat.metric.find((m) => m.label.some((l) => l.value === 'b'))!.histogram!;
    expect(bz.zeroCount).toBe(1);
    expect(bz.positiveSpan ?? []).toEqual([]);
  });
});
