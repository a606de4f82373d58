// The emitter's StatsD vocabulary: every name it sends, and every closed set of tag values.
// This file is the single source of truth on the emitter side; mapping/anything-llm.yml and
// docs/metrics.md must agree with it (test/emitter/schema.test.ts enforces that).
// Names are relative to the prefix (default `anythingllm.`).

export const DEFAULT_PREFIX = 'anythingllm.';

/** StatsD wire types the emitter uses: timers in milliseconds, counters, absolute gauges. */
export type StatsdWireType = 'ms' | 'c' | 'g';

export const METRICS = {
  httpRequestDuration: { name: 'http.request.duration', type: 'ms', tags: ['route', 'method', 'status_class'] },
  httpSseStreams: { name: 'http.sse.streams', type: 'c', tags: ['route', 'outcome'] },
  llmRequestDuration: {
    name: 'llm.request.duration',
    type: 'ms',
    tags: ['provider', 'model', 'operation', 'outcome'],
  },
  llmTokens: { name: 'llm.tokens', type: 'c', tags: ['provider', 'model', 'kind'] },
  llmTimeToFirstToken: { name: 'llm.ttft', type: 'ms', tags: ['provider', 'model'] },
  embeddingRequestDuration: {
    name: 'embedding.request.duration',
    type: 'ms',
    tags: ['provider', 'operation', 'outcome'],
  },
  embeddingInputs: { name: 'embedding.inputs', type: 'c', tags: ['provider'] },
  vectorOperationDuration: {
    name: 'vector.operation.duration',
    type: 'ms',
    tags: ['vector_db', 'operation', 'outcome'],
  },
  documentProcessing: { name: 'document.processing', type: 'c', tags: ['kind', 'outcome', 'reason'] },
  documentProcessingDuration: { name: 'document.processing.duration', type: 'ms', tags: ['kind', 'outcome'] },
  websocketSessionDuration: { name: 'websocket.session.duration', type: 'ms', tags: ['route', 'outcome'] },
  collectorOnline: { name: 'collector.online', type: 'g', tags: [] },
  hookActive: { name: 'instrumentation.hook.active', type: 'g', tags: ['hook'] },
  hookLoaded: { name: 'instrumentation.hook.loaded', type: 'g', tags: ['hook'] },
  hookServing: { name: 'instrumentation.hook.serving', type: 'g', tags: ['hook', 'target'] },
  emitterErrors: { name: 'emitter.errors', type: 'c', tags: ['kind'] },
  // The app process's health (src/emitter/runtime.ts), named as prom-client's default metrics.
  processResidentMemory: { name: 'process.resident_memory_bytes', type: 'g', tags: ['app_instance'] },
  heapUsed: { name: 'nodejs.heap_size_used_bytes', type: 'g', tags: ['app_instance'] },
  heapTotal: { name: 'nodejs.heap_size_total_bytes', type: 'g', tags: ['app_instance'] },
  externalMemory: { name: 'nodejs.external_memory_bytes', type: 'g', tags: ['app_instance'] },
  arrayBuffers: { name: 'nodejs.array_buffers_bytes', type: 'g', tags: ['app_instance'] },
  eventLoopLag: { name: 'nodejs.eventloop_lag_seconds', type: 'g', tags: ['app_instance'] },
  eventLoopLagP99: { name: 'nodejs.eventloop_lag_p99_seconds', type: 'g', tags: ['app_instance'] },
  eventLoopUtilization: { name: 'nodejs.eventloop_utilization_ratio', type: 'g', tags: ['app_instance'] },
  activeHandles: { name: 'nodejs.active_handles', type: 'g', tags: ['app_instance'] },
  processCpuSeconds: { name: 'process.cpu_seconds', type: 'c', tags: ['app_instance'] },
  gcPauseSeconds: { name: 'nodejs.gc_pause_seconds', type: 'c', tags: ['app_instance'] },
  processStartTime: { name: 'process.start_time_seconds', type: 'g', tags: ['app_instance'] },
} as const satisfies Record<string, { name: string; type: StatsdWireType; tags: readonly string[] }>;

export type MetricKey = keyof typeof METRICS;

// ---- closed tag-value sets -------------------------------------------------------------

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'other'] as const;
/** `aborted`: the client closed the connection before any response header was sent. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'aborted', 'unknown'] as const;
/** `abort`: the server wrote an SSE frame with `"type":"abort"` (anything-llm's in-band chat failure). */
export const SSE_OUTCOMES = ['success', 'abort', 'error', 'client_closed'] as const;
/** `error`: the server sent a `"type":"wssFailure"` frame or an LLM call of the session failed. */
export const WEBSOCKET_OUTCOMES = ['success', 'error'] as const;

/** `agent`: a call of an aibitat agent provider (`stream` or `complete`), the default chat mode's path. */
export const LLM_OPERATIONS = ['chat', 'stream', 'agent'] as const;
/** `aborted`: the call was cancelled because the client went away (AbortError, or the HTTP response closed early). */
export const LLM_OUTCOMES = ['success', 'error', 'aborted'] as const;
export const TOKEN_KINDS = ['prompt', 'completion'] as const;

export const EMBEDDING_OPERATIONS = ['embed_text', 'embed_chunks'] as const;
export const CALL_OUTCOMES = ['success', 'error'] as const;

export const VECTOR_OPERATIONS = ['similarity_search', 'add_document'] as const;

export const DOCUMENT_KINDS = ['file', 'link', 'raw_text', 'parse'] as const;
export const DOCUMENT_OUTCOMES = ['success', 'failure'] as const;
/** Bounded classification of the collector's free-text `reason`. `none` is used for successes only. */
export const DOCUMENT_REASONS = [
  'none',
  'invalid_input',
  'file_not_found',
  'unsupported_type',
  'no_content',
  'collector_unreachable',
  'collector_error',
  'timeout',
  'http_error',
  'processing_error',
  'exception',
  'other',
] as const;

export const HOOKS = ['http', 'llm', 'agent', 'embedding', 'vector_db', 'document'] as const;
/** The hooks whose calls name the provider or vector DB that served them (instrumentation.hook.serving). */
export const SERVING_HOOKS = ['llm', 'agent', 'embedding', 'vector_db'] as const;
/** send: the UDP send failed; instrumentation: a wrapper caught a bug in itself; hook: patching a loaded module failed. */
export const EMITTER_ERROR_KINDS = ['send', 'instrumentation', 'hook'] as const;

export type HttpMethod = (typeof HTTP_METHODS)[number];
export type StatusClass = (typeof STATUS_CLASSES)[number];
export type SseOutcome = (typeof SSE_OUTCOMES)[number];
export type WebsocketOutcome = (typeof WEBSOCKET_OUTCOMES)[number];
export type LlmOperation = (typeof LLM_OPERATIONS)[number];
export type LlmOutcome = (typeof LLM_OUTCOMES)[number];
export type TokenKind = (typeof TOKEN_KINDS)[number];
export type EmbeddingOperation = (typeof EMBEDDING_OPERATIONS)[number];
export type CallOutcome = (typeof CALL_OUTCOMES)[number];
export type VectorOperation = (typeof VECTOR_OPERATIONS)[number];
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export type DocumentOutcome = (typeof DOCUMENT_OUTCOMES)[number];
export type DocumentReason = (typeof DOCUMENT_REASONS)[number];
export type HookName = (typeof HOOKS)[number];
export type EmitterErrorKind = (typeof EMITTER_ERROR_KINDS)[number];

/** Every closed label set, by label name, as the docs list them (per metric where they differ). */
export const CLOSED_LABEL_VALUES: Partial<Record<MetricKey, Record<string, readonly string[]>>> = {
  httpRequestDuration: { method: HTTP_METHODS, status_class: STATUS_CLASSES },
  httpSseStreams: { outcome: SSE_OUTCOMES },
  websocketSessionDuration: { outcome: WEBSOCKET_OUTCOMES },
  llmRequestDuration: { operation: LLM_OPERATIONS, outcome: LLM_OUTCOMES },
  llmTokens: { kind: TOKEN_KINDS },
  embeddingRequestDuration: { operation: EMBEDDING_OPERATIONS, outcome: CALL_OUTCOMES },
  vectorOperationDuration: { operation: VECTOR_OPERATIONS, outcome: CALL_OUTCOMES },
  documentProcessing: { kind: DOCUMENT_KINDS, outcome: DOCUMENT_OUTCOMES, reason: DOCUMENT_REASONS },
  documentProcessingDuration: { kind: DOCUMENT_KINDS, outcome: DOCUMENT_OUTCOMES },
  hookActive: { hook: HOOKS },
  hookLoaded: { hook: HOOKS },
  hookServing: { hook: SERVING_HOOKS },
  emitterErrors: { kind: EMITTER_ERROR_KINDS },
};
