// The emitter core: one hot-shots client, options resolved once, error accounting, label caps,
// the async contexts the wrappers share, and hook bookkeeping. Nothing here ever throws into
// the instrumented application.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import StatsDClient, { type StatsD } from 'hot-shots';
import { tagValue, ValueCap } from './labels';
import {
  DEFAULT_PREFIX,
  HOOKS,
  METRICS,
  type EmitterErrorKind,
  type HookName,
  type MetricKey,
} from './names';

export interface EmitterOptions {
  /** StatsD host. Default: env `STATSD_HOST`, else `127.0.0.1`. */
  host?: string;
  /** StatsD UDP port. Default: env `STATSD_PORT`, else 9125 (statsd_exporter's default). */
  port?: number;
  /** Prepended to every name. Default `anythingllm.` (the mapping file expects it). */
  prefix?: string;
  /** Tags added to every metric (`{k: v}` or `['k:v']`). They become extra Prometheus labels. */
  globalTags?: Record<string, string> | string[];
  /** Client-side sampling for timers and counters, in (0, 1]. Gauges are never sampled. Default 1. */
  sampleRate?: number;
  /** hot-shots mock mode: nothing is sent; lines are kept in `mockBuffer` (tests). */
  mock?: boolean;
  /** Only these model ids are used as the `model` label; anything else becomes `other`. */
  modelAllowlist?: readonly string[];
  /** Without an allowlist: the first N distinct models are kept, later ones become `other`. Default 20. */
  maxModels?: number;
  /** The first N distinct route templates are kept, later ones become `other`. Default 500. */
  maxRoutes?: number;
  /** Route templates (e.g. `/api/ping`) that are not recorded at all. */
  ignoreRoutes?: readonly string[];
  /** Re-emit the hook gauges (and pending error counts) every N ms; 0 = never. Default 0. */
  heartbeatMs?: number;
  /**
   * Pack lines into datagrams of at most this many bytes (hot-shots' maxBufferSize), sent when
   * full and every `bufferFlushIntervalMs`; 0 = one line per datagram. Default 0 (the preload
   * defaults to 1400: under a 1,432-byte UDP payload on any common MTU).
   */
  maxBufferSize?: number;
  /** With maxBufferSize: send a partly filled datagram after this many ms. Default 50. */
  bufferFlushIntervalMs?: number;
  /** Debug sink for the emitter's own diagnostics (never the app's data). Default: none. */
  log?: (msg: string) => void;
  /** Where host/port defaults are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly prefix: string;
  readonly globalTags: Readonly<Record<string, string>> | readonly string[];
  readonly sampleRate: number;
  readonly maxBufferSize: number;
  readonly bufferFlushIntervalMs: number;
  readonly mock: boolean;
  readonly modelAllowlist: readonly string[] | null;
  readonly maxModels: number;
  readonly maxRoutes: number;
  readonly ignoreRoutes: readonly string[];
  readonly heartbeatMs: number;
}

export interface EmitterStats {
  sendErrors: number;
  instrumentationErrors: number;
  hookErrors: number;
}

export interface HookState {
  /** A module belonging to this hook has been loaded and inspected. */
  loaded: boolean;
  /** Number of distinct functions wrapped for this hook. */
  targets: number;
}

function positiveInt(v: unknown, dflt: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : dflt;
}

export function resolveOptions(o: EmitterOptions = {}): ResolvedOptions {
  const env = o.env ?? process.env;
  const port = positiveInt(o.port ?? env.STATSD_PORT, 9125);
  const sampleRate =
    typeof o.sampleRate === 'number' && o.sampleRate > 0 && o.sampleRate <= 1 ? o.sampleRate : 1;
  const globalTags = Array.isArray(o.globalTags)
    ? Object.freeze([...o.globalTags])
    : Object.freeze({ ...((o.globalTags as Record<string, string> | undefined) ?? {}) });
  return Object.freeze({
    host: (o.host ?? env.STATSD_HOST ?? '').trim() || '127.0.0.1',
    port: port <= 65535 ? port : 9125,
    prefix: o.prefix ?? DEFAULT_PREFIX,
    globalTags,
    sampleRate,
    mock: o.mock === true,
    modelAllowlist: o.modelAllowlist && o.modelAllowlist.length > 0 ? Object.freeze([...o.modelAllowlist]) : null,
    maxModels: positiveInt(o.maxModels, 20),
    maxRoutes: positiveInt(o.maxRoutes, 500),
    ignoreRoutes: Object.freeze([...(o.ignoreRoutes ?? [])]),
    heartbeatMs: typeof o.heartbeatMs === 'number' && o.heartbeatMs > 0 ? o.heartbeatMs : 0,
    // Above 1,432 bytes a datagram may be fragmented (or dropped) on a 1,460-byte-MSS path.
    maxBufferSize: typeof o.maxBufferSize === 'number' && o.maxBufferSize > 0 ? Math.min(Math.floor(o.maxBufferSize), MAX_DATAGRAM) : 0,
    bufferFlushIntervalMs: positiveInt(o.bufferFlushIntervalMs, 50),
  });
}

/** The largest UDP payload that fits a 1,500-byte MTU path with room for IP options and tunnels. */
export const MAX_DATAGRAM = 1432;

/** Async contexts shared by all emitters in the process. */
/** Distinct serving targets reported per hook (instrumentation.hook.serving). */
const MAX_SERVING_TARGETS = 50;

const requestContext = new AsyncLocalStorage<ServerResponse>();
const familyContext = new AsyncLocalStorage<ReadonlySet<string>>();

const IP_RE = /^(\d{1,3}\.){3}\d{1,3}$|:/;

export class EmitterCore {
  readonly options: ResolvedOptions;
  readonly client: StatsD;
  private readonly log: ((msg: string) => void) | null;
  private readonly models: ValueCap;
  private readonly routes: ValueCap;
  private readonly ignored: ReadonlySet<string>;
  private readonly stats_: EmitterStats = { sendErrors: 0, instrumentationErrors: 0, hookErrors: 0 };
  private sendErrorsReported = 0;
  private readonly hooks = new Map<HookName, { loaded: boolean; wrappers: Set<unknown> }>(
    HOOKS.map((h) => [h, { loaded: false, wrappers: new Set() }]),
  );
  private heartbeat: NodeJS.Timeout | null = null;
  /** Labels (provider / vector-db slugs) registered per class or plain object, read at call time. */
  readonly labels = new WeakMap<object, string>();
  private readonly llmFailures = new WeakSet<ServerResponse>();
  private readonly serving = new Map<HookName, Set<string>>();
  /** Run at every heartbeat after the hook gauges (the runtime sampler). */
  private readonly beats: Array<() => void> = [];
  private closed = false;

  constructor(options: EmitterOptions = {}) {
    this.options = resolveOptions(options);
    this.log = options.log ?? null;
    this.models = new ValueCap(this.options.modelAllowlist, this.options.maxModels);
    this.routes = new ValueCap(null, this.options.maxRoutes);
    this.ignored = new Set(this.options.ignoreRoutes);
    const o = this.options;
    this.client = new StatsDClient({
      host: o.host,
      port: o.port,
      protocol: 'udp',
      prefix: o.prefix,
      globalTags: o.globalTags as Record<string, string> | string[],
      mock: o.mock,
      sampleRate: 1,
      maxBufferSize: o.mock ? 0 : o.maxBufferSize,
      bufferFlushInterval: o.bufferFlushIntervalMs,
      cacheDns: !IP_RE.test(o.host),
      includeDataDogTags: false,
      datadog: false,
      includeDatadogTelemetry: false,
      errorHandler: (err: Error) => {
        this.stats_.sendErrors++;
        this.debug(`send error: ${err && err.message}`);
      },
    });
    if (o.heartbeatMs > 0) this.startHeartbeat(o.heartbeatMs);
    if (o.maxBufferSize > 0 && !o.mock) {
      // What is still buffered goes out when the app ends: at beforeExit (the loop drained) and at
      // exit (process.exit(); dgram hands a small datagram to the kernel at once).
      const flush = (): void => {
        try {
          if (!this.closed && (this.client as unknown as { bufferLength?: number }).bufferLength) this.client.flush();
        } catch {
          /* never throw at exit */
        }
      };
      process.on('beforeExit', flush);
      process.on('exit', flush);
    }
  }

  // ---- sending ------------------------------------------------------------------------

  private send(key: MetricKey, value: number, tags: Record<string, string>, sample: boolean): void {
    if (this.closed) return;
    const m = METRICS[key];
    const rate = sample ? this.options.sampleRate : 1;
    try {
      if (m.type === 'ms') this.client.timing(m.name, value, rate, tags);
      else if (m.type === 'c') this.client.increment(m.name, value, rate, tags);
      else this.client.gauge(m.name, value, 1, tags);
    } catch (e) {
      this.stats_.sendErrors++;
      this.debug(`send threw: ${(e as Error)?.message}`);
    }
  }

  /** A duration in milliseconds (sent as a StatsD timer; the bridge converts to seconds). */
  timing(key: MetricKey, ms: number, tags: Record<string, string>): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.send(key, Math.round(ms * 1000) / 1000, tags, true);
    // Which provider / embedder / vector DB served calls: the call metrics name it.
    if (key === 'llmRequestDuration') this.served(tags.operation === 'agent' ? 'agent' : 'llm', tags.provider);
    else if (key === 'embeddingRequestDuration') this.served('embedding', tags.provider);
    else if (key === 'vectorOperationDuration') this.served('vector_db', tags.vector_db);
  }

  /**
   * `instrumentation.hook.serving{hook,target}` = 1 once `target` served a call: anything-llm
   * loads every provider at boot, so "wrapped" says nothing about which one is in use. Bounded:
   * targets are provider directories (labels already capped), at most MAX_SERVING per hook.
   */
  private served(hook: HookName, target: string | undefined): void {
    if (!target) return;
    let set = this.serving.get(hook);
    if (!set) this.serving.set(hook, (set = new Set()));
    if (set.has(target) || set.size >= MAX_SERVING_TARGETS) return;
    set.add(target);
    this.gauge('hookServing', 1, { hook, target });
  }

  count(key: MetricKey, n: number, tags: Record<string, string>): void {
    if (!Number.isFinite(n) || n <= 0) return;
    this.send(key, n, tags, true);
  }

  gauge(key: MetricKey, v: number, tags: Record<string, string>): void {
    if (!Number.isFinite(v) || v < 0) return;
    this.send(key, v, tags, false);
  }

  // ---- errors and diagnostics ---------------------------------------------------------

  debug(msg: string): void {
    if (!this.log) return;
    try {
      this.log(msg);
    } catch {
      /* ignore */
    }
  }

  /** A bug in our own wrapper code was caught; the app's call went ahead untouched. */
  bug(e: unknown): void {
    this.stats_.instrumentationErrors++;
    this.debug(`instrumentation error: ${(e as Error)?.stack ?? String(e)}`);
    this.emitError('instrumentation');
  }

  hookError(hook: HookName, e: unknown): void {
    this.stats_.hookErrors++;
    this.debug(`hook ${hook} failed: ${(e as Error)?.stack ?? String(e)}`);
    this.emitError('hook');
  }

  private emitError(kind: EmitterErrorKind): void {
    this.send('emitterErrors', 1, { kind }, false);
  }

  /** Send errors cannot be reported when they happen (that would send again); they are flushed here. */
  flushSendErrors(): void {
    const pending = this.stats_.sendErrors - this.sendErrorsReported;
    if (pending > 0) {
      this.sendErrorsReported = this.stats_.sendErrors;
      this.send('emitterErrors', pending, { kind: 'send' }, false);
    }
  }

  stats(): EmitterStats {
    return { ...this.stats_ };
  }

  // ---- labels -------------------------------------------------------------------------

  modelLabel(model: unknown): string {
    if (typeof model !== 'string' || model.trim() === '') return 'unknown';
    return this.models.get(tagValue(model));
  }

  /** A route template (already `unmatched` when none matched) -> capped label, or null = ignore. */
  routeLabel(route: string): string | null {
    if (this.ignored.has(route)) return null;
    return this.routes.get(tagValue(route, 'unmatched'));
  }

  /** The provider / vector-db label of an instance: registered for it or its class, else `fallback`. */
  labelFor(self: unknown, fallback: string): string {
    if (self !== null && (typeof self === 'object' || typeof self === 'function')) {
      const own = this.labels.get(self as object);
      if (own) return own;
      const ctor = (self as { constructor?: unknown }).constructor;
      if (typeof ctor === 'function') {
        const l = this.labels.get(ctor);
        if (l) return l;
      }
    }
    return fallback;
  }

  // ---- async contexts -----------------------------------------------------------------

  runWithResponse<T>(res: ServerResponse, fn: () => T): T {
    return requestContext.run(res, fn);
  }

  /**
   * Remembers that an LLM call made for this response failed, so the response's own outcome
   * (an SSE stream, a WebSocket session) agrees with the LLM outcome of the same request.
   */
  markLlmFailure(res: ServerResponse | undefined): void {
    if (res) this.llmFailures.add(res);
  }

  llmFailed(res: ServerResponse): boolean {
    return this.llmFailures.has(res);
  }

  /** The HTTP response of the request that (asynchronously) caused the current call, if any. */
  currentResponse(): ServerResponse | undefined {
    return requestContext.getStore();
  }

  inFamily(family: string): boolean {
    const s = familyContext.getStore();
    return s !== undefined && s.has(family);
  }

  /** Runs `fn` marked as inside `family`, so nested calls of the same family are not counted twice. */
  runInFamily<T>(family: string, fn: () => T): T {
    const parent = familyContext.getStore();
    const next = new Set(parent ?? []);
    next.add(family);
    return familyContext.run(next, fn);
  }

  // ---- hooks --------------------------------------------------------------------------

  hookStates(): Record<HookName, HookState> {
    const out = {} as Record<HookName, HookState>;
    for (const [h, s] of this.hooks) out[h] = { loaded: s.loaded, targets: s.wrappers.size };
    return out;
  }

  /** A module of `hook` was inspected; `wrappers` are the wrapped functions now in place. */
  markHook(hook: HookName, wrappers: readonly unknown[]): void {
    const s = this.hooks.get(hook);
    if (!s) return;
    const wasLoaded = s.loaded;
    const wasActive = s.wrappers.size > 0;
    s.loaded = true;
    for (const w of wrappers) s.wrappers.add(w);
    if (!wasLoaded || wasActive !== s.wrappers.size > 0) this.emitHook(hook);
  }

  private emitHook(hook: HookName): void {
    const s = this.hooks.get(hook);
    if (!s) return;
    this.gauge('hookActive', s.wrappers.size > 0 ? 1 : 0, { hook });
    this.gauge('hookLoaded', s.loaded ? 1 : 0, { hook });
  }

  /** The boot / heartbeat event: one `hook.active` and one `hook.loaded` gauge per known hook. */
  emitHookStatus(): void {
    for (const h of HOOKS) this.emitHook(h);
    for (const [hook, targets] of this.serving) for (const target of targets) this.gauge('hookServing', 1, { hook, target });
    this.flushSendErrors();
  }

  addHeartbeat(fn: () => void): void {
    this.beats.push(fn);
  }

  startHeartbeat(ms: number): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      try {
        this.emitHookStatus();
        for (const beat of this.beats) beat();
      } catch (e) {
        this.bug(e);
      }
    }, ms);
    this.heartbeat.unref();
  }

  /** hot-shots mock mode only: the lines "sent" so far. */
  mockLines(): string[] {
    return [...(this.client.mockBuffer ?? [])];
  }

  clearMock(): void {
    if (this.client.mockBuffer) this.client.mockBuffer.length = 0;
  }

  close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.client.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
