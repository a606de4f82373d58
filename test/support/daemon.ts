// Runs the built daemon as a user would (node bin/statsd-bridge.js ...), discovers its bound
// ports from the startup log line, and offers send/scrape helpers over real sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { parseExposition, type Exposition } from './prom-text';
import { readCheckedReply } from './exposition-check';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'statsd-bridge.js');

export interface Daemon {
  proc: ChildProcess;
  udpPort: number;
  tcpPort: number;
  httpPort: number;
  /** Everything the daemon wrote to stderr so far. */
  logs(): string;
  sendUdp(payload: string | Buffer): Promise<void>;
  sendTcp(payload: string | Buffer): Promise<void>;
  scrape(): Promise<Exposition>;
  scrapeText(): Promise<string>;
  /** Polls /metrics until `check` stops throwing (or the attempts run out, rethrowing). */
  eventually<T>(check: (e: Exposition) => T, attempts?: number): Promise<T>;
  http(method: string, urlPath: string, headers?: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  args?: string[];
  /** Defaults listen on 127.0.0.1 port 0 for UDP, TCP and HTTP. */
  noDefaults?: boolean;
  env?: Record<string, string>;
}

const ADDR_RE = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/;

export async function startDaemon(opts: StartOptions = {}): Promise<Daemon> {
  const args = opts.noDefaults
    ? [...(opts.args ?? [])]
    : ['--statsd.listen-udp=127.0.0.1:0', '--statsd.listen-tcp=127.0.0.1:0', '--web.listen-address=127.0.0.1:0', '--log.format=json', ...(opts.args ?? [])];
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const listening = await new Promise<Record<string, string>>((resolve, reject) => {
    const onData = (d: Buffer) => {
      stderr += d.toString();
      for (const line of stderr.split('\n')) {
        if (!line.includes('"msg":"Listening"')) continue;
        try {
          resolve(JSON.parse(line) as Record<string, string>);
          return;
        } catch {
          /* partial line */
        }
      }
    };
    proc.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`daemon exited with ${code} before listening:\n${stderr}`)));
  });
  const port = (a: string | undefined) => {
    const m = a ? ADDR_RE.exec(a) : null;
    return m ? Number(m[3]) : 0;
  };
  const udpPort = port(listening.udp);
  const tcpPort = port(listening.tcp);
  const httpPort = port(listening.http);
  const metricsPath = listening.metrics_path ?? '/metrics';

  const request = (method: string, urlPath: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const req = require('node:http').request({ host: '127.0.0.1', port: httpPort, path: urlPath, method, headers }, (res: import('node:http').IncomingMessage) => {
        // Every page this daemon serves must be a valid exposition, whatever the test checks.
        readCheckedReply(res).then(resolve, reject);
      });
      req.on('error', reject);
      req.end();
    });

  const daemon: Daemon = {
    proc,
    udpPort,
    tcpPort,
    httpPort,
    logs: () => stderr,
    sendUdp: (payload) =>
      new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.send(typeof payload === 'string' ? Buffer.from(payload) : payload, udpPort, '127.0.0.1', (err) => {
          s.close();
          if (err) reject(err);
          else resolve();
        });
      }),
    sendTcp: (payload) =>
      new Promise((resolve, reject) => {
        const c = net.connect(tcpPort, '127.0.0.1', () => c.end(payload));
        c.on('close', () => resolve());
        c.on('error', reject);
      }),
    scrapeText: async () => {
      const r = await request('GET', metricsPath);
      if (r.status !== 200) throw new Error(`scrape returned ${r.status}: ${r.body}`);
      return r.body;
    },
    scrape: async () => parseExposition(await daemon.scrapeText()),
    eventually: async (check, attempts = 100) => {
      let lastErr: unknown;
      for (let i = 0; i < attempts; i++) {
        try {
          return check(await daemon.scrape());
        } catch (err) {
          lastErr = err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw lastErr;
    },
    http: request,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
  return daemon;
}
