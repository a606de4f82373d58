// io.prometheus.client metrics.proto (client_model v0.6.1) for protobufjs, the independent
// decoder tests check our encoder against. Only what the bridge writes (no exemplars).
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    io: { nested: { prometheus: { nested: { client: { nested: {
      LabelPair: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
      MetricType: { values: { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } },
      Gauge: { fields: { value: { type: 'double', id: 1 } } },
      Counter: { fields: { value: { type: 'double', id: 1 } } },
      Quantile: { fields: { quantile: { type: 'double', id: 1 }, value: { type: 'double', id: 2 } } },
      Summary: { fields: { sampleCount: { type: 'uint64', id: 1 }, sampleSum: { type: 'double', id: 2 }, quantile: { rule: 'repeated', type: 'Quantile', id: 3 } } },
      Untyped: { fields: { value: { type: 'double', id: 1 } } },
      Bucket: { fields: { cumulativeCount: { type: 'uint64', id: 1 }, upperBound: { type: 'double', id: 2 } } },
      BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
      Histogram: {
        fields: {
          sampleCount: { type: 'uint64', id: 1 },
          sampleSum: { type: 'double', id: 2 },
          bucket: { rule: 'repeated', type: 'Bucket', id: 3 },
          schema: { type: 'sint32', id: 5 },
          zeroThreshold: { type: 'double', id: 6 },
          zeroCount: { type: 'uint64', id: 7 },
          negativeSpan: { rule: 'repeated', type: 'BucketSpan', id: 9 },
          negativeDelta: { rule: 'repeated', type: 'sint64', id: 10, options: { packed: false } },
          positiveSpan: { rule: 'repeated', type: 'BucketSpan', id: 12 },
          positiveDelta: { rule: 'repeated', type: 'sint64', id: 13, options: { packed: false } },
        },
      },
      Metric: {
        fields: {
          label: { rule: 'repeated', type: 'LabelPair', id: 1 },
          gauge: { type: 'Gauge', id: 2 },
          counter: { type: 'Counter', id: 3 },
          summary: { type: 'Summary', id: 4 },
          untyped: { type: 'Untyped', id: 5 },
          histogram: { type: 'Histogram', id: 7 },
        },
      },
      MetricFamily: { fields: { name: { type: 'string', id: 1 }, help: { type: 'string', id: 2 }, type: { type: 'MetricType', id: 3 }, metric: { rule: 'repeated', type: 'Metric', id: 4 } } },
    } } } } } },
  },
});

const MetricFamily = root.lookupType('io.prometheus.client.MetricFamily');

export interface DecodedSpan { offset: number; length: number }
export interface DecodedHistogram {
  sampleCount: number; sampleSum: number; bucket: { cumulativeCount: number; upperBound: number }[];
  schema?: number; zeroThreshold?: number; zeroCount?: number;
  positiveSpan: DecodedSpan[]; positiveDelta: number[]; negativeSpan: DecodedSpan[]; negativeDelta: number[];
}
export interface DecodedMetric {
  label: { name: string; value: string }[];
  gauge?: { value: number }; counter?: { value: number }; untyped?: { value: number };
  summary?: { sampleCount: number; sampleSum: number; quantile: { quantile: number; value: number }[] };
  histogram?: DecodedHistogram;
}
export interface DecodedFamily { name: string; help: string; type: string; metric: DecodedMetric[] }

/** Decodes a length-delimited stream of MetricFamily messages. */
export function decodeDelimited(body: Uint8Array): DecodedFamily[] {
  const reader = protobuf.Reader.create(body);
  const out: DecodedFamily[] = [];
  while (reader.pos < reader.len) {
    const msg = MetricFamily.decodeDelimited(reader);
    out.push(MetricFamily.toObject(msg, { longs: Number, enums: String, arrays: true, defaults: false }) as DecodedFamily);
  }
  return out;
}

/** The text-format samples the families stand for (classic buckets only, as the text shows). */
export function textSamples(families: DecodedFamily[]): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const f of families) {
    for (const m of f.metric) {
      const labels = Object.fromEntries(m.label.map((l) => [l.name, l.value]));
      const v = m.counter ?? m.gauge ?? m.untyped;
      if (v) out.push({ name: f.name, labels, value: v.value ?? 0 });
      if (m.summary) {
        for (const q of m.summary.quantile) out.push({ name: f.name, labels: { ...labels, quantile: String(q.quantile ?? 0) }, value: q.value ?? 0 });
        out.push({ name: `${f.name}_sum`, labels, value: m.summary.sampleSum ?? 0 });
        out.push({ name: `${f.name}_count`, labels, value: m.summary.sampleCount ?? 0 });
      }
      if (m.histogram) {
        for (const b of m.histogram.bucket) out.push({ name: `${f.name}_bucket`, labels: { ...labels, le: String(b.upperBound) }, value: b.cumulativeCount ?? 0 });
        out.push({ name: `${f.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: m.histogram.sampleCount ?? 0 });
        out.push({ name: `${f.name}_sum`, labels, value: m.histogram.sampleSum ?? 0 });
        out.push({ name: `${f.name}_count`, labels, value: m.histogram.sampleCount ?? 0 });
      }
    }
  }
  return out;
}
