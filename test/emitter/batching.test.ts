// Several lines per datagram (issue 14): the preload packs lines into datagrams under 1,432 bytes,
// flushes them on a short interval and when the app ends, whether the loop drains or the app
// calls process.exit(). Real UDP, a real child process preloaded like anything-llm's server.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { childEnv, REGISTER } from './helpers';

/** A script that sends `n` request metrics through the preloaded emitter, then ends as told. */
function app(n: number, end: 'drain' | 'exit'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-'));
  const file = path.join(dir, 'index.js');
  fs.writeFileSync(
    file,
    `const reg = globalThis[Symbol.for("statsd-bridge.emitter.registration")];
const core = reg.emitter.core;
for (let i = 0; i < ${n}; i++) core.timing("httpRequestDuration", i % 50, { route: "/api/workspace/:slug/chat", method: "POST", status_class: "2xx" });
${end === 'exit' ? 'process.exit(0);' : ''}`,
  );
  return file;
}

async function run(file: string, env: Record<string, string>): Promise<Buffer[]> {
  const sink = dgram.createSocket('udp4');
  const datagrams: Buffer[] = [];
  sink.on('message', (m) => datagrams.push(m));
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  const child = spawn(process.execPath, ['--require', REGISTER, file], {
    env: childEnv({ STATSD_BRIDGE_EMITTER: 'on', STATSD_PORT: String(sink.address().port), STATSD_BRIDGE_HEARTBEAT_MS: '0', STATSD_BRIDGE_RUNTIME: 'off', ...env }),
    stdio: 'ignore',
  });
  await new Promise((r) => child.once('exit', r));
  // Loopback delivers before the sender's exit is seen; one more turn for the last callbacks.
  await new Promise((r) => setTimeout(r, 100));
  sink.close();
  return datagrams;
}

const lineCount = (ds: Buffer[], name: string) => ds.flatMap((d) => d.toString().split('\n')).filter((l) => l.startsWith(name)).length;

describe('emitter batching (preload defaults)', () => {
  test.each(['drain', 'exit'] as const)('every line arrives, packed under 1,432 bytes, when the app ends by %s', async (end) => {
    const ds = await run(app(500, end), {});
    expect(lineCount(ds, 'anythingllm.http.request.duration:')).toBe(500);
    for (const d of ds) expect(d.length).toBeLessThanOrEqual(1400);
    // Packed: far fewer datagrams than lines.
    expect(ds.length).toBeLessThan(60);
    expect(ds.filter((d) => d.toString().split('\n').length > 5).length).toBeGreaterThan(0);
  });

  test('STATSD_BRIDGE_MAX_BUFFER_SIZE=0 sends one line per datagram', async () => {
    const ds = await run(app(100, 'drain'), { STATSD_BRIDGE_MAX_BUFFER_SIZE: '0' });
    expect(lineCount(ds, 'anythingllm.http.request.duration:')).toBe(100);
    expect(ds.every((d) => !d.toString().includes('\n'))).toBe(true);
  });

  test('a buffer size above 1,432 bytes is capped', async () => {
    const ds = await run(app(500, 'drain'), { STATSD_BRIDGE_MAX_BUFFER_SIZE: '65000' });
    expect(lineCount(ds, 'anythingllm.http.request.duration:')).toBe(500);
    for (const d of ds) expect(d.length).toBeLessThanOrEqual(1432);
  });
});
