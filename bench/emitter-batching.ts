// What packing several lines per datagram saves the app: CPU time per "request" (three metrics,
// as the HTTP and LLM hooks send for a chat) with one line per datagram and with the preload's
// default (1400-byte datagrams, 50 ms flush), to a real UDP socket on loopback.
//   npm run build && tsc -p bench/tsconfig.json && node dist-bench/bench/emitter-batching.js
import dgram from 'node:dgram';
import os from 'node:os';
import { createEmitter } from '../src/emitter';

async function measure(maxBufferSize: number, requests: number): Promise<{ cpuUsPerRequest: number; datagrams: number; lines: number }> {
  const sink = dgram.createSocket('udp4');
  let datagrams = 0;
  let lines = 0;
  sink.on('message', (m) => {
    datagrams++;
    for (let i = 0; i < m.length; i++) if (m[i] === 10) lines++;
    lines++;
  });
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  sink.setRecvBufferSize(64 * 1024 * 1024); // capped by net.core.rmem_max: what arrives is what the kernel kept
  const emitter = createEmitter({ host: '127.0.0.1', port: sink.address().port, maxBufferSize, bufferFlushIntervalMs: 50 });
  const core = (emitter as unknown as { core: { timing(k: string, v: number, t: Record<string, string>): void; count(k: string, v: number, t: Record<string, string>): void } }).core;
  const tags = { route: '/api/workspace/:slug/stream-chat', method: 'POST', status_class: '2xx' };
  const llm = { provider: 'openai', model: 'gpt-4o', operation: 'stream', outcome: 'success' };
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    core.timing('httpRequestDuration', i % 100, tags);
    core.timing('llmRequestDuration', i % 300, llm);
    core.count('llmTokens', 12, { provider: 'openai', model: 'gpt-4o', kind: 'completion' });
    if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // let sends complete, as between requests
  }
  await emitter.close();
  const used = process.cpuUsage(start);
  await new Promise((r) => setTimeout(r, 200));
  sink.close();
  return { cpuUsPerRequest: (used.user + used.system) / requests, datagrams, lines };
}

async function main(): Promise<void> {
  const requests = Number(process.env.REQUESTS ?? 100_000);
  console.log(`emitter batching: ${requests} requests x 3 metrics, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (let round = 0; round < 3; round++) {
    for (const size of [0, 1400]) {
      const r = await measure(size, requests);
      console.log(`  round ${round + 1} maxBufferSize=${String(size).padEnd(4)} CPU ${r.cpuUsPerRequest.toFixed(2)} us/request, ${r.datagrams} datagrams / ${r.lines} lines received (of ${3 * requests})`);
    }
  }
}

void main();
