// The judge: statsd_exporter v0.27.2 got these lines over TCP with this mapping and was scraped
// with the protobuf Accept header (recorded in the fixture, outside the suite). The bridge, fed
// the same, must write the same native buckets (schema, zero threshold and count, spans, deltas),
// classic buckets, count and sum, under the same content type.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ManualClock } from '../../src/core/clock';
import { startInProcess, type InProcessBridge } from '../support/inprocess';
import { decodeDelimited, type DecodedHistogram } from '../support/metric-family-proto';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/native-histogram-statsd-exporter.json'), 'utf8')) as {
  contentType: string;
  mapping: string;
  lines: string;
  series: { name: string; labels: Record<string, string>; histogram: DecodedHistogram }[];
};

function scrape(port: number): Promise<{ type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', headers: { accept: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('native histograms as statsd_exporter writes them', () => {
  let b: InProcessBridge;
  beforeAll(async () => {
    b = await startInProcess({ clock: new ManualClock(1_700_000_000_000), mappingYaml: fixture.mapping });
    await b.sendTcp(fixture.lines);
    await b.waitForLines(fixture.lines.trim().split('\n').length);
  });
  afterAll(() => b.stop());

  test('same content type', async () => {
    expect((await scrape(b.bridge.addresses.http.port)).type).toBe(fixture.contentType);
  });

  test.each(fixture.series.map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s] as const))('%s', async (_n, expected) => {
    const families = decodeDelimited((await scrape(b.bridge.addresses.http.port)).body);
    const f = families.find((x) => x.name === expected.name)!;
    const m = f.metric.find((x) => JSON.stringify(Object.fromEntries(x.label.map((l) => [l.name, l.value]))) === JSON.stringify(expected.labels))!;
    const h = m.histogram!;
    const e = expected.histogram;
    expect(h.schema).toBe(e.schema);
    expect(h.zeroThreshold).toBe(e.zeroThreshold);
    expect(h.zeroCount).toEqual(e.zeroCount);
    expect(h.positiveSpan).toEqual(e.positiveSpan);
    expect(h.positiveDelta).toEqual(e.positiveDelta);
    expect(h.negativeSpan).toEqual(e.negativeSpan);
    expect(h.negativeDelta).toEqual(e.negativeDelta);
    expect(h.bucket).toEqual(e.bucket);
    expect(h.sampleCount).toBe(e.sampleCount);
    expect(h.sampleSum ?? 0).toBeCloseTo(e.sampleSum ?? 0, 9);
  });
});
