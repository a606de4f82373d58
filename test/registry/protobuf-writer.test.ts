// The protobuf writer on its own: long and multi-byte strings, messages past the one reserved
// length byte, large counts and negative numbers, all read back with protobufjs.
import { ManualClock } from '../../src/core/clock';
import { SeriesRegistry } from '../../src/registry/series-registry';
import { ProtoWriter, encodeSeriesRegistry } from '../../src/registry/protobuf';
import { decodeDelimited } from '../support/metric-family-proto';

const hooks = { vectorCreated() {}, isReservedName: () => false, seriesDropped() {} };
const options = () => ({
  histogram: { buckets: [1, 2], nativeHistogramBucketFactor: 1.1, nativeHistogramMaxBuckets: 0 },
  summary: { quantiles: [], maxAgeSeconds: 0, ageBuckets: 0, bufCap: 0 },
});

test('strings, sizes and numbers survive the round trip', async () => {
  const reg = new SeriesRegistry(new ManualClock(0), hooks);
  const long = `é€😀${'x'.repeat(300)}`;
  const c = reg.lookup({ kind: 'counter', name: 'c_total', labels: { z: 'last', a: long }, help: `help ${long}`, ttlMs: 0, options });
  if (!c.ok) throw new Error(c.error);
  c.vector.update(c.series, 2 ** 52 + 0.5, false);
  const g = reg.lookup({ kind: 'gauge', name: 'g', labels: {}, help: 'g', ttlMs: 0, options });
  if (!g.ok) throw new Error(g.error);
  g.vector.update(g.series, -1.5e-300, false);
  const h = reg.lookup({ kind: 'histogram', name: 'h', labels: { k: 'v' }, help: 'h', ttlMs: 0, options });
  if (!h.ok) throw new Error(h.error);
  // Enough spread for a histogram message far past 127 bytes, with negative buckets.
  for (let i = 0; i < 3000; i++) h.vector.update(h.series, (i % 2 ? -1 : 1) * 1.01 ** i, false);
  const w = new ProtoWriter();
  await encodeSeriesRegistry(reg.exposition, w);
  const [cf, gf, hf] = decodeDelimited(w.bytes());
  expect(cf.name).toBe('c_total');
  expect(cf.help).toBe(`help ${long}`);
  expect(cf.metric[0].label).toEqual([{ name: 'a', value: long }, { name: 'z', value: 'last' }]);
  expect(cf.metric[0].counter!.value).toBe(2 ** 52 + 0.5);
  expect(gf.type).toBe('GAUGE');
  expect(gf.metric[0].gauge!.value).toBe(-1.5e-300);
  const hist = hf.metric[0].histogram!;
  expect(hist.sampleCount).toBe(3000);
  const s = (h.series as unknown as { native: { positiveBuckets(): { deltas: number[] }; negativeBuckets(): { deltas: number[] } } }).native;
  expect(hist.positiveDelta).toEqual(s.positiveBuckets().deltas);
  expect(hist.negativeDelta).toEqual(s.negativeBuckets().deltas);
  expect(hist.negativeDelta.length).toBeGreaterThan(100);
});
