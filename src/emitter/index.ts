// statsd-bridge/emitter: StatsD metrics for anything-llm (or any Express app), sent with
// hot-shots in DogStatsD tag format to a statsd-bridge / statsd_exporter.
//
// This entry point is loaded *into another application*: it depends on node built-ins and
// hot-shots only, never on the daemon's code, and it never throws into the host app.
import type { StatsD } from 'hot-shots';
import { EmitterCore, type EmitterOptions, type EmitterStats, type HookState, type ResolvedOptions } from './core';
import { matchModule, type ModuleMatch } from './hooks';
import { HttpInstrumentation, type ExpressLike } from './http';
import type { HookName } from './names';
import {
  instrumentCollectorApi,
  instrumentEmbedder,
  instrumentAgentProvider,
  instrumentLLM,
  instrumentVectorDb,
  type WrapCount,
} from './providers';
import { slug } from './labels';
import { instanceLabel, RuntimeSampler } from './runtime';

export type { EmitterOptions, ResolvedOptions, EmitterStats, HookState, ModuleMatch, ExpressLike };
export { decideActivation, matchModule, SERVER_PACKAGE_NAME } from './hooks';
export type { Activation, ActivationInput } from './hooks';
export { optionsFromEnv } from './env';
export * as names from './names';

export interface ModuleInstrumentation extends ModuleMatch {
  /** Functions wrapped (or found already wrapped) in this module; 0 = nothing to instrument. */
  wrapped: number;
}

export class Emitter {
  private readonly core: EmitterCore;
  private readonly http: HttpInstrumentation;
  private runtime: RuntimeSampler | null = null;

  constructor(options: EmitterOptions = {}) {
    this.core = new EmitterCore(options);
    this.http = new HttpInstrumentation(this.core);
  }

  /** The options, resolved once at construction. */
  get options(): ResolvedOptions {
    return this.core.options;
  }

  /** The underlying hot-shots client. */
  get client(): StatsD {
    return this.core.client;
  }

  /** Express middleware; install it first (`app.use(emitter.expressMiddleware())`). */
  expressMiddleware(): (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
    next: (err?: unknown) => void,
  ) => void {
    return this.http.middleware();
  }

  /**
   * Instruments every app created afterwards from this express module (`require('express')`),
   * with no change to the app: patches `express.application.handle` and
   * `express.Route.prototype.dispatch`. Idempotent. Returns true when requests will be measured.
   */
  instrumentExpress(express: ExpressLike): boolean {
    return this.hook('http', () => ({ wrappers: this.http.instrumentExpress(express), failed: 0 })) > 0;
  }

  /** Wraps `getChatCompletion` / `streamGetChatCompletion` of an LLM provider class (or object, or module exports). */
  instrumentLLM(target: unknown, labels: { provider: string }): number {
    return this.hook('llm', () => instrumentLLM(this.core, target, slug(labels.provider)));
  }

  /** Wraps `embedTextInput` / `embedChunks` of an embedding engine class (or object, or module exports). */
  /** An aibitat agent provider module (class with `stream` / `complete`); `operation="agent"`. */
  instrumentAgentProvider(target: unknown, labels: { provider: string }): number {
    return this.hook('agent', () => instrumentAgentProvider(this.core, target, slug(labels.provider)));
  }

  instrumentEmbedder(target: unknown, labels: { provider: string }): number {
    return this.hook('embedding', () => instrumentEmbedder(this.core, target, slug(labels.provider)));
  }

  /** Wraps `performSimilaritySearch` / `addDocumentToNamespace` of a vector DB class (or object, or module exports). */
  instrumentVectorDb(target: unknown, labels: { vectorDb: string }): number {
    return this.hook('vector_db', () => instrumentVectorDb(this.core, target, slug(labels.vectorDb)));
  }

  /** Wraps anything-llm's `CollectorApi` (process*, parseDocument, online). */
  instrumentCollectorApi(target: unknown): number {
    return this.hook('document', () => instrumentCollectorApi(this.core, target));
  }

  /**
   * Instruments a freshly loaded module if its path is one of anything-llm's provider modules
   * (see hooks.ts). This is what the preload calls for every module Node loads.
   */
  instrumentModule(filename: string, exported: unknown): ModuleInstrumentation | null {
    let m: ModuleMatch | null;
    try {
      m = matchModule(filename);
    } catch (e) {
      this.core.bug(e);
      return null;
    }
    if (!m) return null;
    let wrapped = 0;
    switch (m.hook) {
      case 'http':
        wrapped = this.instrumentExpress(exported as ExpressLike) ? 1 : 0;
        break;
      case 'llm':
        wrapped = this.instrumentLLM(exported, { provider: m.label });
        break;
      case 'agent':
        wrapped = this.instrumentAgentProvider(exported, { provider: m.label });
        break;
      case 'embedding':
        wrapped = this.instrumentEmbedder(exported, { provider: m.label });
        break;
      case 'vector_db':
        wrapped = this.instrumentVectorDb(exported, { vectorDb: m.label });
        break;
      case 'document':
        wrapped = this.instrumentCollectorApi(exported);
        break;
    }
    this.core.debug(`module ${filename} -> hook ${m.hook} (${m.label || '-'}): ${wrapped} wrapped`);
    return { ...m, wrapped };
  }

  private hook(name: HookName, fn: () => WrapCount): number {
    let c: WrapCount;
    try {
      c = fn();
    } catch (e) {
      this.core.hookError(name, e);
      c = { wrappers: [], failed: 1 };
    }
    if (c.failed > 0) this.core.hookError(name, new Error(`${c.failed} method(s) could not be wrapped`));
    this.core.markHook(name, c.wrappers);
    return c.wrappers.length;
  }

  /** Sends one `instrumentation.hook.active` and one `instrumentation.hook.loaded` gauge per hook. */
  emitHookStatus(): void {
    try {
      this.core.emitHookStatus();
    } catch (e) {
      this.core.bug(e);
    }
  }

  hookStates(): Record<HookName, HookState> {
    return this.core.hookStates();
  }

  startHeartbeat(ms: number): void {
    this.core.startHeartbeat(ms);
  }

  /**
   * The app process's health on every heartbeat (memory, event loop, handles, CPU, GC, start
   * time), tagged `app_instance` (`instance`, else the host name). Idempotent.
   */
  startRuntimeMetrics(instance?: string): void {
    if (this.runtime) return;
    try {
      const sampler = new RuntimeSampler(this.core, instanceLabel(instance));
      this.runtime = sampler;
      this.core.addHeartbeat(() => sampler.sample());
    } catch (e) {
      this.core.bug(e);
    }
  }

  /** One runtime sample now (the boot event; tests). */
  sampleRuntime(): void {
    try {
      this.runtime?.sample();
    } catch (e) {
      this.core.bug(e);
    }
  }

  stats(): EmitterStats {
    return this.core.stats();
  }

  /** hot-shots mock mode: the StatsD lines produced so far. */
  mockLines(): string[] {
    return this.core.mockLines();
  }

  clearMock(): void {
    this.core.clearMock();
  }

  close(): Promise<void> {
    this.runtime?.stop();
    return this.core.close();
  }
}

export function createEmitter(options: EmitterOptions = {}): Emitter {
  return new Emitter(options);
}
