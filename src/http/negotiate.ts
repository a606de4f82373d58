// Which exposition format a scraper asked for, as prometheus/common's expfmt.Negotiate decides
// (statsd_exporter's promhttp handler): the Accept entries by descending q, the first that is
// the delimited protobuf MetricFamily format or text/plain (version 0.0.4 or none) wins; anything
// else, or no Accept header, is the text format. (The protobuf text and compact-text encodings
// Go also offers are debugging formats no scraper asks for; they get the text format here.)

// As prometheus/common v0.57 (statsd_exporter v0.27.2) writes it, escaping scheme included.
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=values';

export type ExpositionFormat = 'text' | 'protobuf';

interface AcceptEntry {
  type: string;
  params: Map<string, string>;
  q: number;
}

export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'text';
  const entries: AcceptEntry[] = [];
  for (const part of accept.split(',')) {
    const [media, ...rest] = part.split(';');
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (k === 'q') q = Number(v);
      else params.set(k, v);
    }
    entries.push({ type: media.trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  // Stable: equal q keeps the header's order.
  entries.sort((a, b) => b.q - a.q);
  for (const e of entries) {
    if (e.type === 'application/vnd.google.protobuf' && e.params.get('proto') === 'io.prometheus.client.MetricFamily') {
      if (e.params.get('encoding') === 'delimited') return 'protobuf';
    }
    const version = e.params.get('version') ?? '';
    if (e.type === 'text/plain' && (version === '' || version === '0.0.4')) return 'text';
  }
  return 'text';
}
