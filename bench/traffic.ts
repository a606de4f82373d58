// The load the benchmarks send: anything-llm-like StatsD traffic (counters, timers and histograms
// with DogStatsD tags) matched by 5 glob mappings, packed 16 lines to a packet of at most 1,400
// bytes, or one line to a packet. Deterministic (seeded), so both daemons get the same bytes.

/** The 5 glob mappings of the load test; valid for statsd_exporter 0.27 and statsd-bridge. */
export const LOAD_MAPPING_YAML = `defaults:
  observer_type: histogram
  histogram_options:
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
mappings:
  - match: anythingllm.http.request.*
    match_metric_type: observer
    name: anythingllm_http_request_\${1}_seconds
  - match: anythingllm.llm.*.duration
    match_metric_type: observer
    name: anythingllm_llm_\${1}_duration_seconds
  - match: anythingllm.llm.tokens.*
    match_metric_type: counter
    name: anythingllm_llm_tokens_total
    labels:
      kind: $1
  - match: anythingllm.vector.*.duration
    match_metric_type: observer
    name: anythingllm_vector_operation_duration_seconds
    labels:
      operation: $1
  - match: anythingllm.*.errors
    match_metric_type: counter
    name: anythingllm_\${1}_errors_total
`;

export const LINES_PER_PACKET = 16;
export const MAX_PACKET_BYTES = 1400;

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUTES = [
  '/api/workspace/:slug/stream-chat',
  '/api/workspace/:slug/chat',
  '/api/workspace/:slug/update-embeddings',
  '/api/workspaces',
  '/api/system/system-vectors',
  '/api/document/upload',
  '/api/v1/openai/chat/completions',
  '/api/admin/users',
];
const METHODS = ['GET', 'POST'];
const STATUSES = ['2xx', '4xx', '5xx'];
const PROVIDERS = ['openai', 'anthropic', 'ollama', 'azure'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'llama3.1:8b'];
const OUTCOMES = ['success', 'error', 'aborted'];
const VECTOR_OPS = ['similarity_search', 'add_document', 'delete_document'];
const VECTOR_DBS = ['lancedb', 'pgvector', 'qdrant'];
const HOOKS = ['openai', 'express', 'lancedb'];

/** One anything-llm-like line with a random value; the series set is bounded (a few hundred). */
export function loadLine(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const ms = (max: number) => (r() * max).toFixed(3);
  const x = r();
  if (x < 0.4) {
    return `anythingllm.http.request.duration:${ms(800)}|ms|#route:${pick(ROUTES)},method:${pick(METHODS)},status:${pick(STATUSES)}`;
  }
  if (x < 0.55) {
    return `anythingllm.llm.request.duration:${ms(20000)}|ms|#provider:${pick(PROVIDERS)},model:${pick(MODELS)},outcome:${pick(OUTCOMES)}`;
  }
  if (x < 0.8) {
    return `anythingllm.llm.tokens.${r() < 0.5 ? 'prompt' : 'completion'}:${1 + Math.floor(r() * 4000)}|c|#provider:${pick(PROVIDERS)},model:${pick(MODELS)}`;
  }
  if (x < 0.97) {
    return `anythingllm.vector.${pick(VECTOR_OPS)}.duration:${(r() * 2).toFixed(4)}|h|#vector_db:${pick(VECTOR_DBS)},outcome:${pick(OUTCOMES)}`;
  }
  return `anythingllm.emitter.errors:1|c|#hook:${pick(HOOKS)}`;
}

/** `count` packets of exactly `linesPerPacket` lines each, every packet at most MAX_PACKET_BYTES. */
export function loadPackets(count: number, linesPerPacket: number, seed = 1): Buffer[] {
  const r = rng(seed);
  const out: Buffer[] = [];
  while (out.length < count) {
    const lines: string[] = [];
    for (let i = 0; i < linesPerPacket; i++) lines.push(loadLine(r));
    const p = Buffer.from(lines.join('\n'));
    if (p.length <= MAX_PACKET_BYTES) out.push(p);
  }
  return out;
}

/**
 * The memory test's series: `counters` counter series and `histograms` histogram series, every
 * line a new series, in packets of LINES_PER_PACKET lines.
 */
export function seriesPackets(counters: number, histograms: number): { packets: Buffer[]; lines: number } {
  const lines: string[] = [];
  // Mapped counters (one tag plus the mapping's label) and unmapped timers (histograms by the
  // mapping's defaults, 11 buckets): about 13 MB of exposition for 100k + 10k series.
  for (let i = 0; i < counters; i++) lines.push(`anythingllm.llm.tokens.prompt:1|c|#model:m${i}`);
  for (let i = 0; i < histograms; i++) lines.push(`bench.latency:${i % 1000}|ms|#route:/r/${i}`);
  const packets: Buffer[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_PACKET) packets.push(Buffer.from(lines.slice(i, i + LINES_PER_PACKET).join('\n')));
  return { packets, lines: lines.length };
}

/** The sender's file format: [u16 LE length][bytes] per packet. */
export function encodePacketFile(packets: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of packets) {
    const len = Buffer.alloc(2);
    len.writeUInt16LE(p.length);
    parts.push(len, p);
  }
  return Buffer.concat(parts);
}
