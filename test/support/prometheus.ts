// Runs Debian's real Prometheus server against a config written for the test, and queries it
// through its HTTP API. Loopback only; the data directory is a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
}

export interface PrometheusServer {
  port: number;
  dir: string;
  query(expr: string): Promise<PromSample[]>;
  alerts(): Promise<Alert[]>;
  /** Re-runs `check` until it stops throwing (Prometheus scrapes and evaluates on its own clock). */
  eventually<T>(check: () => Promise<T>, attempts?: number): Promise<T>;
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function getJson(port: number, urlPath: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: body.startsWith('{') ? JSON.parse(body) : body });
          } catch (err) {
            reject(err);
          }
        });
      })
      .on('error', reject);
  });
}

export function requirePrometheus(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'prometheus');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('prometheus not found on PATH: install Debian\'s prometheus package (bash .ci/run, or npm test, installs it)');
}

/** Starts Prometheus with `config` (YAML text); `files` are written beside it first. */
export async function startPrometheus(config: string, files: Record<string, string> = {}, extraArgs: string[] = []): Promise<PrometheusServer> {
  const bin = requirePrometheus();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-prometheus-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const proc: ChildProcess = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...extraArgs,
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let logs = '';
  proc.stderr!.on('data', (d) => (logs += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));

  const server: PrometheusServer = {
    port,
    dir,
    logs: () => logs,
    async query(expr) {
      const r = await getJson(port, `/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = r.body as { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
      return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
    },
    async alerts() {
      const r = await getJson(port, '/api/v1/alerts');
      return (r.body as { data: { alerts: Alert[] } }).data.alerts;
    },
    async eventually(check, attempts = 120) {
      let last: unknown;
      for (let i = 0; i < attempts; i++) {
        try {
          return await check();
        } catch (err) {
          last = err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      throw last;
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  // Ready once the HTTP API answers.
  await server.eventually(async () => {
    if (proc.exitCode !== null) throw new Error(`prometheus exited: ${logs}`);
    const r = await getJson(port, '/-/ready');
    if (r.status !== 200) throw new Error('not ready');
  });
  return server;
}
