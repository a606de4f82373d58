// The preload: `NODE_OPTIONS="--require statsd-bridge/emitter/register"`.
//
// In anything-llm's server process it creates an emitter from the environment and hooks
// CommonJS module loading, so express and the provider modules (loaded lazily by
// anything-llm's factories) are instrumented the moment they are first required. In every
// other process (npx, prisma, the collector, forked jobs, worker threads) it does nothing.
// It never throws: a failing preload would stop the container from booting.
import Module from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { optionsFromEnv } from './env';
import { decideActivation } from './hooks';
import type { Emitter } from './index';
import { wrapMethod, type AnyFn } from './wrap';

export interface Registration {
  active: boolean;
  reason: string;
  emitter: Emitter | null;
}

const INSTALLED = Symbol.for('statsd-bridge.emitter.registration');

interface LoadedModule {
  filename?: string;
  exports?: unknown;
  loaded?: boolean;
}

function install(): Registration {
  const g = globalThis as unknown as Record<symbol, Registration | undefined>;
  const existing = g[INSTALLED];
  if (existing) return existing;

  const options = optionsFromEnv(process.env);
  const decision = decideActivation({ env: process.env, entry: process.argv[1], isMainThread });
  if (!decision.active) {
    options.log?.(`inactive: ${decision.reason}`);
    const r: Registration = { active: false, reason: decision.reason, emitter: null };
    g[INSTALLED] = r;
    return r;
  }

  // Loaded only here, so inactive processes never load hot-shots or open a socket.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createEmitter } = require('./index') as typeof import('./index');
  const emitter = createEmitter(options);
  const reg: Registration = { active: true, reason: decision.reason, emitter };
  g[INSTALLED] = reg;
  options.log?.(`active: ${decision.reason}; sending to ${emitter.options.host}:${emitter.options.port}`);

  const onLoaded = (m: LoadedModule): void => {
    if (m && typeof m.filename === 'string') emitter.instrumentModule(m.filename, m.exports);
  };

  // Every CommonJS module passes through Module.prototype.load exactly once, after which its
  // exports are complete. Provider classes are patched there, before any caller can use them.
  const proto = (Module as unknown as { prototype: object }).prototype;
  wrapMethod(proto, 'load', (orig: AnyFn) =>
    function load(this: LoadedModule) {
      // eslint-disable-next-line prefer-rest-params
      const result = orig.apply(this, arguments as unknown as unknown[]);
      try {
        onLoaded(this);
      } catch {
        /* instrumentModule already accounts for its own errors */
      }
      return result;
    },
  );

  // Modules loaded before this preload (only when it is required late, not via --require).
  try {
    const cache = (Module as unknown as { _cache?: Record<string, LoadedModule> })._cache ?? {};
    for (const m of Object.values(cache)) if (m && m.loaded) onLoaded(m);
  } catch {
    /* ignore */
  }

  // The boot event: runs once the entry script has been evaluated (express and every eagerly
  // required module are loaded by then). The heartbeat repeats it.
  // The app's own health rides on the same heartbeat (STATSD_BRIDGE_RUNTIME=off turns it off).
  if (!['off', '0', 'false', 'no'].includes((process.env.STATSD_BRIDGE_RUNTIME ?? '').trim().toLowerCase())) {
    emitter.startRuntimeMetrics(process.env.STATSD_BRIDGE_INSTANCE);
  }
  setImmediate(() => {
    emitter.emitHookStatus();
    emitter.sampleRuntime();
  });
  return reg;
}

let registration: Registration;
try {
  registration = install();
} catch (e) {
  registration = { active: false, reason: `install failed: ${(e as Error)?.message}`, emitter: null };
}

export { registration };
