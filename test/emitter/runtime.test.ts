// The runtime gauges (issue 13 item 6) from a real process of ours whose heap grows, preloaded
// like anything-llm's server, received on a real UDP socket; and the dashboard's process panels
// use only names the emitter sends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, find, REGISTER, REPO, spawnNode, UdpSink, type StatsdLine } from './helpers';

const readRepoJson = (p: string): unknown => JSON.parse(fs.readFileSync(path.join(REPO, p), 'utf8'));

// A leaky app: keeps 1 MB more every 20 ms, for as long as it runs.
const LEAKY_APP = `
const kept = [];
setInterval(() => { kept.push(new Array(128 * 1024).fill(kept.length)); }, 20);
process.stdout.write(JSON.stringify({ event: "listening", port: 0 }) + "\\n");
`;

describe('runtime gauges on the heartbeat', () => {
  test('memory grows sample after sample; start time stays; CPU accumulates; one app_instance', async () => {
    const sink = await UdpSink.open();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leaky-'));
    fs.writeFileSync(path.join(dir, 'index.js'), LEAKY_APP);
    const app = spawnNode(['--require', REGISTER, path.join(dir, 'index.js')], childEnv({
      STATSD_BRIDGE_EMITTER: 'on',
      STATSD_HOST: '127.0.0.1',
      STATSD_PORT: String(sink.port),
      STATSD_BRIDGE_HEARTBEAT_MS: '150',
      STATSD_BRIDGE_INSTANCE: 'Leaky App #1',
    }));
    try {
      const heap = (ls: StatsdLine[]) => find(ls, 'nodejs.heap_size_used_bytes');
      const lines = await sink.waitFor((ls) => heap(ls).length >= 6, 'six heap samples');
      const values = heap(lines).map((l) => l.value);
      // A heap that keeps growing: the last sample is well above the first.
      expect(values[values.length - 1]).toBeGreaterThan(values[0] + 2 * 1024 * 1024);
      for (const l of heap(lines)) expect(l.tags).toEqual({ app_instance: 'leaky_app_1' });
      const starts = new Set(find(lines, 'process.start_time_seconds').map((l) => l.value));
      expect(starts.size).toBe(1);
      const start = [...starts][0];
      expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(600);
      const cpu = find(lines, 'process.cpu_seconds', { app_instance: 'leaky_app_1' });
      expect(cpu.every((l) => l.type === 'c')).toBe(true);
      expect(cpu.reduce((a, l) => a + l.value, 0)).toBeGreaterThan(0);
      for (const n of ['process.resident_memory_bytes', 'nodejs.heap_size_total_bytes', 'nodejs.eventloop_utilization_ratio', 'nodejs.active_handles']) {
        expect([n, find(lines, n).length > 0]).toEqual([n, true]);
      }
    } finally {
      await app.stop();
      await sink.close();
    }
  });

  test("the dashboard's process panels and the runtime alerts query only metrics the emitter sends", () => {
    const dash = readRepoJson('deploy/grafana/dashboards/anything-llm.json') as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const titles = ['Memory against request rate', 'Event-loop lag', 'Restarts'];
    const sent = new Set(
      ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_utilization_ratio', 'process_start_time_seconds', 'http_request_duration_seconds_count'].map((n) => `anythingllm_${n}`),
    );
    for (const t of titles) {
      const p = dash.panels.find((x) => x.title === t);
      expect([t, p !== undefined]).toEqual([t, true]);
      for (const target of p!.targets ?? []) {
        const names = target.expr.match(/anythingllm_[a-z0-9_]+/g) ?? [];
        expect(names.length).toBeGreaterThan(0);
        for (const n of names) expect([t, n, sent.has(n)]).toEqual([t, n, true]);
      }
    }
  });
});
