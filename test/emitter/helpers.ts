// Shared helpers for the emitter tests: StatsD line parsing, a UDP sink standing in for the
// bridge, an HTTP client, and child-process plumbing. Loopback and port 0 only.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const FIXTURE = path.join(REPO, 'test', 'fixtures', 'fake-anythingllm');
export const REGISTER = path.join(REPO, 'dist', 'emitter', 'register.js');

export interface StatsdLine {
  raw: string;
  name: string;
  value: number;
  type: string;
  rate: number;
  tags: Record<string, string>;
}

/** Parses one DogStatsD line as hot-shots writes it: `name:value|type[|@rate][|#k:v,...]`. */
export function parseLine(raw: string): StatsdLine {
  const colon = raw.indexOf(':');
  if (colon <= 0) throw new Error(`not a statsd line: ${raw}`);
  const parts = raw.slice(colon + 1).split('|');
  const line: StatsdLine = { raw, name: raw.slice(0, colon), value: Number(parts[0]), type: parts[1] ?? '', rate: 1, tags: {} };
  for (const p of parts.slice(2)) {
    if (p.startsWith('@')) line.rate = Number(p.slice(1));
    else if (p.startsWith('#')) {
      for (const t of p.slice(1).split(',')) {
        const i = t.indexOf(':');
        if (i <= 0) throw new Error(`tag without value in ${raw}`);
        line.tags[t.slice(0, i)] = t.slice(i + 1);
      }
    } else throw new Error(`unexpected component ${p} in ${raw}`);
  }
  return line;
}

export function parseLines(raws: readonly string[]): StatsdLine[] {
  return raws.flatMap((r) => r.split('\n')).filter((r) => r.length > 0).map(parseLine);
}

/** Lines named `name` (without prefix) whose tags include `tags`. */
export function find(lines: readonly StatsdLine[], name: string, tags: Record<string, string> = {}, prefix = 'anythingllm.'): StatsdLine[] {
  return lines.filter((l) => l.name === prefix + name && Object.entries(tags).every(([k, v]) => l.tags[k] === v));
}

/** A UDP socket on 127.0.0.1:0 collecting StatsD lines. */
export class UdpSink {
  readonly lines: StatsdLine[] = [];
  readonly raw: string[] = [];
  private waiters: Array<() => void> = [];
  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      for (const r of msg.toString('utf8').split('\n')) {
        if (r.length === 0) continue;
        this.raw.push(r);
        this.lines.push(parseLine(r));
      }
      for (const w of this.waiters) w();
    });
  }

  static async open(): Promise<UdpSink> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new UdpSink(socket);
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  /**
   * Resolves once `pred` holds over the lines received so far. The guard only turns a hang
   * into a readable failure (listing what did arrive); it is not a timing assertion.
   */
  waitFor(pred: (lines: StatsdLine[]) => boolean, what: string, guardMs = 20000): Promise<StatsdLine[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!pred(this.lines)) return false;
        cleanup();
        resolve(this.lines);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`never received: ${what}\nreceived:\n${this.raw.join('\n')}`));
      }, guardMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter = (): void => {
        check();
      };
      this.waiters.push(waiter);
      check();
    });
  }

  /** Sends a line to ourselves and waits for it: everything sent to us earlier has arrived. */
  async sentinel(tag: string): Promise<void> {
    const sender = dgram.createSocket('udp4');
    const line = `sentinel.${tag}:1|c`;
    await new Promise<void>((resolve, reject) => sender.send(line, this.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    sender.close();
    await this.waitFor((ls) => ls.some((l) => l.raw === line), line);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  port: number,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends a request, waits for the response headers and the first body chunk, then hangs up. */
export function requestThenHangUp(port: number, method: string, urlPath: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.once('data', () => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET') reject(e);
    });
    req.end(payload);
  });
}

export interface Spawned {
  child: ChildProcess;
  /** JSON lines the child printed on stdout. */
  events: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the first stdout JSON event satisfying pred. */
  waitForEvent(pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnNode(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  let err = '';
  let buf = '';
  let waiters: Array<() => void> = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) {
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* not ours */
        }
      }
    }
    for (const w of waiters) w();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    events,
    stderr: () => err,
    exited,
    waitForEvent(pred) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const e = events.find(pred);
          if (e) {
            waiters = waiters.filter((w) => w !== check);
            resolve(e);
            return true;
          }
          return false;
        };
        if (check()) return;
        waiters.push(check);
        void exited.then((code) => {
          if (!check()) reject(new Error(`child exited (${code}) before the expected event; stderr:\n${err}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** An environment for children: the parent's, minus anything that could switch the emitter. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('STATSD_') || k === 'NODE_OPTIONS' || k.startsWith('DD_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Re-checks `pred` until it holds (a guard turns a hang into a readable failure; not a timing assertion). */
export async function until<T>(get: () => T, pred: (v: T) => boolean, what: string, guardMs = 10000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const v = get();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition never held: ${what}\nlast value: ${JSON.stringify(v, null, 1)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function listen(app: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ server: http.Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
