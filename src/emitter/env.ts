// Emitter options from the environment (what the preload uses). No hot-shots import here:
// the preload reads this in every process, and loads the emitter only where it activates.
import type { EmitterOptions } from './core';

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Emitter options from environment variables (what the preload uses):
 * STATSD_HOST, STATSD_PORT, STATSD_BRIDGE_PREFIX, STATSD_BRIDGE_TAGS (`k:v,k2:v2`),
 * STATSD_BRIDGE_SAMPLE_RATE, STATSD_BRIDGE_MODELS (allowlist, comma-separated),
 * STATSD_BRIDGE_MAX_MODELS, STATSD_BRIDGE_MAX_ROUTES, STATSD_BRIDGE_IGNORE_ROUTES,
 * STATSD_BRIDGE_HEARTBEAT_MS (default 30000; 0 = off), STATSD_BRIDGE_MAX_BUFFER_SIZE (default 1400;
 * 0 = one line per datagram), STATSD_BRIDGE_FLUSH_INTERVAL_MS (default 50), STATSD_BRIDGE_DEBUG.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): EmitterOptions {
  const tags: Record<string, string> = {};
  for (const t of list(env.STATSD_BRIDGE_TAGS)) {
    const i = t.indexOf(':');
    if (i > 0 && i < t.length - 1) tags[t.slice(0, i)] = t.slice(i + 1);
  }
  const heartbeat = num(env.STATSD_BRIDGE_HEARTBEAT_MS);
  const debug = (env.STATSD_BRIDGE_DEBUG ?? '').trim();
  return {
    env,
    prefix: env.STATSD_BRIDGE_PREFIX !== undefined && env.STATSD_BRIDGE_PREFIX !== '' ? env.STATSD_BRIDGE_PREFIX : undefined,
    globalTags: tags,
    sampleRate: num(env.STATSD_BRIDGE_SAMPLE_RATE),
    modelAllowlist: list(env.STATSD_BRIDGE_MODELS),
    maxModels: num(env.STATSD_BRIDGE_MAX_MODELS),
    maxRoutes: num(env.STATSD_BRIDGE_MAX_ROUTES),
    ignoreRoutes: list(env.STATSD_BRIDGE_IGNORE_ROUTES),
    heartbeatMs: heartbeat === undefined ? 30000 : heartbeat,
    // Several lines per datagram by default in the app: fewer send calls for the app and fewer
    // packets for the bridge. STATSD_BRIDGE_MAX_BUFFER_SIZE=0 sends one line per datagram.
    maxBufferSize: num(env.STATSD_BRIDGE_MAX_BUFFER_SIZE) ?? 1400,
    bufferFlushIntervalMs: num(env.STATSD_BRIDGE_FLUSH_INTERVAL_MS) ?? 50,
    log:
      debug !== '' && debug !== '0' && debug !== 'false'
        ? (msg: string) => process.stderr.write(`[statsd-bridge emitter] ${msg}\n`)
        : undefined,
  };
}
