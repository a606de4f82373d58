// Wrappers for anything-llm's provider families. They are installed on class prototypes (or,
// for older anything-llm versions, on plain provider objects) and read their labels at call
// time, so a subclass or an instance created before wrapping is labelled correctly.
import type { ServerResponse } from 'node:http';
import type { EmitterCore } from './core';
import { classifyDocumentReason, isAbortError } from './labels';
import type {
  CallOutcome,
  DocumentKind,
  DocumentOutcome,
  DocumentReason,
  EmbeddingOperation,
  LlmOperation,
  LlmOutcome,
  VectorOperation,
} from './names';
import { callObserved, wrapMethod, type AnyFn, type Settlement, type WrapResult } from './wrap';

export interface WrapCount {
  /** The wrapper functions now in place (wrapped now, or found already wrapped). */
  wrappers: unknown[];
  failed: number;
}

type Obj = Record<string | symbol, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && (typeof v === 'object' || typeof v === 'function');
}

function tally(c: WrapCount, owner: Obj, method: string, r: WrapResult): void {
  if (r === 'wrapped' || r === 'already') c.wrappers.push(owner[method]);
  else if (r === 'failed') c.failed++;
}

/**
 * The objects whose methods a provider module offers: an exported class's prototype, or an
 * exported plain object (pre-2026 vector DBs). Returns [owner-of-methods, label-key] pairs.
 */
export function providerTargets(exported: unknown, methods: readonly string[]): Array<[Obj, object]> {
  const out: Array<[Obj, object]> = [];
  const seen = new Set<unknown>();
  const consider = (v: unknown): void => {
    if (!isObj(v) || seen.has(v)) return;
    seen.add(v);
    if (typeof v === 'function') {
      const proto = (v as { prototype?: unknown }).prototype;
      if (isObj(proto) && methods.some((m) => Object.prototype.hasOwnProperty.call(proto, m))) out.push([proto, v]);
      return;
    }
    const p = Object.getPrototypeOf(v);
    if ((p === Object.prototype || p === null) && methods.some((m) => typeof v[m] === 'function'))
      out.push([v, v]);
  };
  consider(exported);
  if (isObj(exported)) {
    for (const k of Object.keys(exported)) {
      let v: unknown;
      try {
        v = exported[k];
      } catch {
        continue;
      }
      consider(v);
    }
  }
  return out;
}

/** Registers `label` for every class / plain object a module exports (used at call time). */
function registerLabels(core: EmitterCore, exported: unknown, label: string): void {
  const put = (v: unknown): void => {
    if (isObj(v) && !core.labels.has(v)) core.labels.set(v, label);
  };
  put(exported);
  if (isObj(exported) && typeof exported !== 'function') {
    for (const k of Object.keys(exported)) {
      try {
        const v = exported[k];
        if (typeof v === 'function' || (isObj(v) && Object.getPrototypeOf(v) === Object.prototype)) put(v);
      } catch {
        /* getter threw: skip */
      }
    }
  }
}

function closedEarly(res: ServerResponse | undefined): boolean {
  if (!res) return false;
  return !res.writableEnded && (res.destroyed === true || (res as { closed?: boolean }).closed === true);
}

function tokenCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0;
}

// ---- LLM ------------------------------------------------------------------------------

export const LLM_METHODS = { getChatCompletion: 'chat', streamGetChatCompletion: 'stream' } as const;

interface LlmCall {
  provider: string;
  model: string;
  start: number;
  res: ServerResponse | undefined;
}

/** A call about to start on provider instance `self`: its labels, start time and HTTP response. */
function startLlmCall(core: EmitterCore, self: unknown, fallbackLabel: string): LlmCall {
  return {
    provider: core.labelFor(self, fallbackLabel),
    model: core.modelLabel(isObj(self) ? self.model : undefined),
    start: performance.now(),
    res: core.currentResponse(),
  };
}

function emitTokens(core: EmitterCore, call: LlmCall, usage: unknown): void {
  if (!isObj(usage)) return;
  const tags = { provider: call.provider, model: call.model };
  core.count('llmTokens', tokenCount(usage.prompt_tokens), { ...tags, kind: 'prompt' });
  core.count('llmTokens', tokenCount(usage.completion_tokens), { ...tags, kind: 'completion' });
}

function emitLlm(core: EmitterCore, call: LlmCall, operation: LlmOperation, outcome: LlmOutcome): void {
  if (outcome === 'error') core.markLlmFailure(call.res);
  core.timing('llmRequestDuration', performance.now() - call.start, {
    provider: call.provider,
    model: call.model,
    operation,
    outcome,
  });
}

function failureOutcome(error: unknown, res: ServerResponse | undefined): LlmOutcome {
  return isAbortError(error) || closedEarly(res) ? 'aborted' : 'error';
}

/**
 * Follows a stream returned by `streamGetChatCompletion` without consuming it:
 *  - `endMeasurement` (added by anything-llm's LLMPerformanceMonitor and called wherever a
 *    stream ends: completion, client abort, error) finalizes the call once, with its usage;
 *  - the async iterator gives the time to first chunk and tells errors / aborts apart;
 *  - without `endMeasurement`, the iterator's end finalizes the call.
 */
function observeStream(core: EmitterCore, stream: unknown, call: LlmCall): void {
  const state = { finalized: false, error: null as LlmOutcome | null, firstChunk: false };
  const outcome = (): LlmOutcome => state.error ?? (closedEarly(call.res) ? 'aborted' : 'success');
  const finalize = (usage: unknown): void => {
    if (state.finalized) return;
    state.finalized = true;
    try {
      emitLlm(core, call, 'stream', outcome());
      emitTokens(core, call, usage);
    } catch (e) {
      core.bug(e); // may run from a timer: must never throw
    }
  };
  if (!isObj(stream)) {
    finalize(null);
    return;
  }
  const hasEnd = typeof stream.endMeasurement === 'function';
  const iterFn = stream[Symbol.asyncIterator];
  const iterable = typeof iterFn === 'function';
  if (!hasEnd && !iterable) {
    finalize(null);
    return;
  }
  const fallback = (): void => {
    // endMeasurement is normally called in the same turn as the iterator ends or throws;
    // if it never is, finish the measurement anyway (without usage).
    if (hasEnd) setImmediate(() => finalize(null));
    else finalize(null);
  };
  try {
    if (hasEnd) {
      const origEnd = stream.endMeasurement as AnyFn;
      Object.defineProperty(stream, 'endMeasurement', {
        configurable: true,
        writable: true,
        enumerable: true,
        value: function endMeasurement(this: unknown, ...args: unknown[]) {
          let metrics: unknown;
          try {
            metrics = origEnd.apply(this, args);
          } finally {
            try {
              finalize(isObj(metrics) ? metrics : (stream as Obj).metrics);
            } catch (e) {
              core.bug(e);
            }
          }
          return metrics;
        },
      });
    }
    if (iterable) {
      Object.defineProperty(stream, Symbol.asyncIterator, {
        configurable: true,
        writable: true,
        value: function asyncIterator(this: unknown, ...args: unknown[]) {
          const it = (iterFn as AnyFn).apply(this, args) as AsyncIterator<unknown>;
          return wrapIterator(core, it, state, call, fallback);
        },
      });
    }
  } catch (e) {
    core.bug(e);
  }
}

function wrapIterator(
  core: EmitterCore,
  it: AsyncIterator<unknown>,
  state: { error: LlmOutcome | null; firstChunk: boolean },
  call: LlmCall,
  fallback: () => void,
): AsyncIterator<unknown> & AsyncIterable<unknown> {
  if (!it || typeof it.next !== 'function') return it as AsyncIterator<unknown> & AsyncIterable<unknown>;
  const onStep = (r: IteratorResult<unknown>): IteratorResult<unknown> => {
    try {
      if (r && r.done) fallback();
      else if (!state.firstChunk) {
        state.firstChunk = true;
        core.timing('llmTimeToFirstToken', performance.now() - call.start, {
          provider: call.provider,
          model: call.model,
        });
      }
    } catch (e) {
      core.bug(e);
    }
    return r;
  };
  const onError = (e: unknown): never => {
    try {
      if (state.error === null) state.error = failureOutcome(e, call.res);
      fallback();
    } catch (bug) {
      core.bug(bug);
    }
    throw e;
  };
  const wrapped: AsyncIterator<unknown> & AsyncIterable<unknown> = {
    next(...args: [] | [unknown]) {
      return Promise.resolve(it.next(...args)).then(onStep, onError);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (typeof it.return === 'function') {
    wrapped.return = (value?: unknown) => {
      try {
        fallback();
      } catch (e) {
        core.bug(e);
      }
      return (it.return as AnyFn).call(it, value) as Promise<IteratorResult<unknown>>;
    };
  }
  if (typeof it.throw === 'function') {
    wrapped.throw = (err?: unknown) => Promise.resolve((it.throw as AnyFn).call(it, err)).then(onStep, onError);
  }
  return wrapped;
}

function llmWrapper(core: EmitterCore, operation: LlmOperation, fallbackLabel: string) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      if (core.inFamily('llm')) return orig.apply(this, args);
      let call: LlmCall;
      try {
        call = startLlmCall(core, this, fallbackLabel);
      } catch (e) {
        core.bug(e);
        return orig.apply(this, args);
      }
      const report = (s: Settlement): void => {
        if (s.failed) {
          emitLlm(core, call, operation, failureOutcome(s.error, call.res));
        } else if (operation === 'stream') {
          observeStream(core, s.value, call);
        } else {
          emitLlm(core, call, operation, s.value === null || s.value === undefined ? 'error' : 'success');
          if (isObj(s.value)) emitTokens(core, call, s.value.metrics ?? s.value.usage);
        }
      };
      return core.runInFamily('llm', () => callObserved(orig, this, args, report, (e) => core.bug(e)));
    };
}

export function instrumentLLM(core: EmitterCore, exported: unknown, provider: string): WrapCount {
  registerLabels(core, exported, provider);
  const c: WrapCount = { wrappers: [], failed: 0 };
  for (const [owner] of providerTargets(exported, Object.keys(LLM_METHODS))) {
    for (const [m, op] of Object.entries(LLM_METHODS)) tally(c, owner, m, wrapMethod(owner, m, llmWrapper(core, op, provider)));
  }
  return c;
}

// ---- agent providers (aibitat) --------------------------------------------------------
//
// anything-llm's default chat mode ("automatic" with a tool-calling provider) answers over a
// WebSocket from server/utils/agents/aibitat/: one provider class per file, each with its own
// `stream(messages, functions, eventHandler)` and `complete(messages, functions)`. The classes
// are built with a mixin helper that copies the base class's methods at load time, so the
// wrappers go on each class's own prototype (never on the base class). A new instance serves
// each reply; token usage is only on the instance (`getCumulativeUsage()` / `getUsage()`), and
// an abort resolves normally with `abortSignal.aborted` set.

export const AGENT_METHODS = ['stream', 'complete'] as const;

interface Usage {
  prompt: number;
  completion: number;
}

function readUsage(self: unknown, method: 'getCumulativeUsage' | 'getUsage'): Usage | null {
  if (!isObj(self) || typeof self[method] !== 'function') return null;
  const u = (self[method] as AnyFn).call(self) as unknown;
  if (!isObj(u)) return null;
  return {
    prompt: tokenCount(u.prompt_tokens ?? u.promptTokens ?? u.input_tokens),
    completion: tokenCount(u.completion_tokens ?? u.completionTokens ?? u.output_tokens),
  };
}

function agentAborted(self: unknown): boolean {
  if (!isObj(self)) return false;
  const signal = self.abortSignal ?? (isObj(self.abortController) ? self.abortController.signal : undefined);
  return isObj(signal) && signal.aborted === true;
}

function agentWrapper(core: EmitterCore, method: (typeof AGENT_METHODS)[number], fallbackLabel: string) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      if (core.inFamily('llm')) return orig.apply(this, args);
      let call: LlmCall;
      let before: Usage | null = null;
      try {
        call = startLlmCall(core, this, fallbackLabel);
        before = readUsage(this, 'getCumulativeUsage');
        // The first chunk handed to the event handler is the first token the user sees.
        const handler = args[2];
        if (method === 'stream' && typeof handler === 'function') {
          let first = true;
          args[2] = function (this: unknown, ...hargs: unknown[]) {
            if (first) {
              first = false;
              try {
                core.timing('llmTimeToFirstToken', performance.now() - call.start, { provider: call.provider, model: call.model });
              } catch (e) {
                core.bug(e);
              }
            }
            return (handler as AnyFn).apply(this, hargs);
          };
        }
      } catch (e) {
        core.bug(e);
        return orig.apply(this, args);
      }
      const self = this;
      const report = (s: Settlement): void => {
        const aborted = agentAborted(self);
        const outcome: LlmOutcome = aborted ? 'aborted' : s.failed ? failureOutcome(s.error, call.res) : 'success';
        emitLlm(core, call, 'agent', outcome);
        // Cumulative usage gives this call's share even when one instance makes several calls.
        const after = readUsage(self, 'getCumulativeUsage');
        const usage =
          after && before
            ? { prompt_tokens: after.prompt - before.prompt, completion_tokens: after.completion - before.completion }
            : (() => {
                const u = readUsage(self, 'getUsage');
                return u ? { prompt_tokens: u.prompt, completion_tokens: u.completion } : null;
              })();
        if (usage) emitTokens(core, call, usage);
      };
      return core.runInFamily('llm', () => callObserved(orig, this, args, report, (e) => core.bug(e)));
    };
}

export function instrumentAgentProvider(core: EmitterCore, exported: unknown, provider: string): WrapCount {
  registerLabels(core, exported, provider);
  const c: WrapCount = { wrappers: [], failed: 0 };
  for (const [owner] of providerTargets(exported, AGENT_METHODS)) {
    for (const m of AGENT_METHODS) {
      if (typeof owner[m] === 'function') tally(c, owner, m, wrapMethod(owner, m, agentWrapper(core, m, provider)));
    }
  }
  return c;
}

// ---- embedding engines ----------------------------------------------------------------

export const EMBEDDING_METHODS = { embedTextInput: 'embed_text', embedChunks: 'embed_chunks' } as const;

function embeddingWrapper(core: EmitterCore, operation: EmbeddingOperation, fallbackLabel: string) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      // embedTextInput usually calls this.embedChunks: only the outer call is measured.
      if (core.inFamily('embedding')) return orig.apply(this, args);
      let provider: string;
      let start: number;
      try {
        provider = core.labelFor(this, fallbackLabel);
        start = performance.now();
        const input = args[0];
        core.count('embeddingInputs', Array.isArray(input) ? input.length : input == null ? 0 : 1, { provider });
      } catch (e) {
        core.bug(e);
        return orig.apply(this, args);
      }
      const report = (s: Settlement): void => {
        const v = s.value;
        const bad =
          s.failed ||
          v === null ||
          v === undefined ||
          v === false ||
          (operation === 'embed_text' && Array.isArray(v) && v.length === 0);
        const outcome: CallOutcome = bad ? 'error' : 'success';
        core.timing('embeddingRequestDuration', performance.now() - start, { provider, operation, outcome });
      };
      return core.runInFamily('embedding', () => callObserved(orig, this, args, report, (e) => core.bug(e)));
    };
}

export function instrumentEmbedder(core: EmitterCore, exported: unknown, provider: string): WrapCount {
  registerLabels(core, exported, provider);
  const c: WrapCount = { wrappers: [], failed: 0 };
  for (const [owner] of providerTargets(exported, Object.keys(EMBEDDING_METHODS))) {
    for (const [m, op] of Object.entries(EMBEDDING_METHODS))
      tally(c, owner, m, wrapMethod(owner, m, embeddingWrapper(core, op, provider)));
  }
  return c;
}

// ---- vector databases -----------------------------------------------------------------

export const VECTOR_METHODS = {
  performSimilaritySearch: 'similarity_search',
  addDocumentToNamespace: 'add_document',
} as const;

function vectorOutcome(operation: VectorOperation, s: Settlement): CallOutcome {
  if (s.failed) return 'error';
  const v = s.value;
  if (v === null || v === undefined || v === false) return 'error';
  if (operation === 'similarity_search') return isObj(v) && v.message ? 'error' : 'success';
  return isObj(v) && v.vectorized === false ? 'error' : 'success';
}

function vectorWrapper(core: EmitterCore, operation: VectorOperation, fallbackLabel: string) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      if (core.inFamily('vector')) return orig.apply(this, args);
      let vectorDb: string;
      let start: number;
      try {
        vectorDb = core.labelFor(this, fallbackLabel);
        start = performance.now();
      } catch (e) {
        core.bug(e);
        return orig.apply(this, args);
      }
      const report = (s: Settlement): void => {
        core.timing('vectorOperationDuration', performance.now() - start, {
          vector_db: vectorDb,
          operation,
          outcome: vectorOutcome(operation, s),
        });
      };
      return core.runInFamily('vector', () => callObserved(orig, this, args, report, (e) => core.bug(e)));
    };
}

export function instrumentVectorDb(core: EmitterCore, exported: unknown, vectorDb: string): WrapCount {
  registerLabels(core, exported, vectorDb);
  const c: WrapCount = { wrappers: [], failed: 0 };
  for (const [owner] of providerTargets(exported, Object.keys(VECTOR_METHODS))) {
    for (const [m, op] of Object.entries(VECTOR_METHODS)) tally(c, owner, m, wrapMethod(owner, m, vectorWrapper(core, op, vectorDb)));
  }
  return c;
}

// ---- document processing (server-side CollectorApi) -----------------------------------

export const COLLECTOR_METHODS = {
  processDocument: 'file',
  processLink: 'link',
  processRawText: 'raw_text',
  parseDocument: 'parse',
} as const;

function documentResult(s: Settlement): [DocumentOutcome, DocumentReason] {
  if (s.failed) return ['failure', 'exception'];
  const v = s.value;
  if (v === false || v === null || v === undefined) return ['failure', 'invalid_input'];
  if (isObj(v) && v.success === true) return ['success', 'none'];
  return ['failure', isObj(v) ? classifyDocumentReason(v.reason ?? v.error) : 'other'];
}

function collectorWrapper(core: EmitterCore, kind: DocumentKind) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      if (core.inFamily('document')) return orig.apply(this, args);
      const start = performance.now();
      const report = (s: Settlement): void => {
        const [outcome, reason] = documentResult(s);
        core.count('documentProcessing', 1, { kind, outcome, reason });
        core.timing('documentProcessingDuration', performance.now() - start, { kind, outcome });
      };
      return core.runInFamily('document', () => callObserved(orig, this, args, report, (e) => core.bug(e)));
    };
}

function onlineWrapper(core: EmitterCore) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      const report = (s: Settlement): void => {
        core.gauge('collectorOnline', !s.failed && s.value === true ? 1 : 0, {});
      };
      return callObserved(orig, this, args, report, (e) => core.bug(e));
    };
}

export function instrumentCollectorApi(core: EmitterCore, exported: unknown): WrapCount {
  const c: WrapCount = { wrappers: [], failed: 0 };
  const methods = [...Object.keys(COLLECTOR_METHODS), 'online'];
  for (const [owner] of providerTargets(exported, methods)) {
    for (const [m, kind] of Object.entries(COLLECTOR_METHODS)) tally(c, owner, m, wrapMethod(owner, m, collectorWrapper(core, kind)));
    tally(c, owner, 'online', wrapMethod(owner, 'online', onlineWrapper(core)));
  }
  return c;
}
