// Code of our own shaped like anything-llm's agent path, shared by agent.test.ts and the schema
// driver: an aibitat-like provider module at anything-llm's path (one class per file, built with
// a mixin helper that copies the base class's methods at load), express-ws's routing of an
// upgrade (`GET <path>/.websocket` with `req.ws` and a stand-in response), and a minimal
// WebSocket (RFC 6455 text frames) on both sides, over real TCP sockets.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type ExpressModule = typeof import('express');
export function freshExpress(): ExpressModule {
  let e: ExpressModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    e = require('express') as ExpressModule;
  });
  return e as ExpressModule;
}

// ---- an aibitat-shaped provider module, written to anything-llm's path -------------------

const PROVIDER_SOURCE = `
// Base class and mixin helper shaped like aibitat's (methods copied at load time).
class Provider {
  constructor() { this._usage = { prompt_tokens: 0, completion_tokens: 0 }; this._cumulative = { prompt_tokens: 0, completion_tokens: 0 }; }
  recordUsage(u) {
    this._usage = { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens };
    this._cumulative.prompt_tokens += u.prompt_tokens;
    this._cumulative.completion_tokens += u.completion_tokens;
  }
  getUsage() { return this._usage; }
  getCumulativeUsage() { return this._cumulative; }
}
function InheritMultiple(bases) {
  class Bases { constructor() { for (const B of bases) Object.assign(this, new B()); } }
  for (const B of bases) for (const k of Object.getOwnPropertyNames(B.prototype)) if (k !== 'constructor') Bases.prototype[k] = B.prototype[k];
  return Bases;
}
class GenericOpenAiProvider extends InheritMultiple([Provider]) {
  constructor(config = {}) { super(); this.model = config.model || 'stub-model'; this.abortController = new AbortController(); }
  get abortSignal() { return this.abortController.signal; }
  async stream(messages, functions, eventHandler) {
    const text = String(messages[messages.length - 1].content);
    if (text.includes('[fail:llm]')) { const e = new Error('500 status code (no body)'); e.name = 'RetryError'; throw e; }
    for (const chunk of ['Hel', 'lo']) {
      if (text.includes('[abort]')) { this.abortController.abort(); break; }
      eventHandler?.('reportStreamEvent', { type: 'textResponseChunk', content: chunk });
      if (text.includes('[fail:stream]')) throw new Error('Premature close');
    }
    this.recordUsage({ prompt_tokens: 11, completion_tokens: 2 });
    return { textResponse: 'Hello', functionCall: null };
  }
  async complete(messages, functions) {
    this.recordUsage({ prompt_tokens: 7, completion_tokens: 3 });
    return { textResponse: 'done', functionCall: null };
  }
}
module.exports = GenericOpenAiProvider;
`;

export function writeProvider(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibitat-'));
  const providers = path.join(dir, 'server', 'utils', 'agents', 'aibitat', 'providers');
  fs.mkdirSync(providers, { recursive: true });
  const file = path.join(providers, 'genericOpenAi.js');
  fs.writeFileSync(file, PROVIDER_SOURCE);
  fs.writeFileSync(path.join(providers, 'ai-provider.js'), 'module.exports = class Provider { stream() {} complete() {} };\n');
  return file;
}

// ---- a minimal WebSocket (RFC 6455 text frames), both sides --------------------------

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, (mask ? 0x80 : 0) | len]) : Buffer.from([0x81, (mask ? 0x80 : 0) | 126, len >> 8, len & 255]);
  if (!mask) return Buffer.concat([head, payload]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([head, key, masked]);
}

/** Splits complete frames off `buf`; returns the texts (close frames as null) and the rest. */
function readFrames(buf: Buffer): { texts: Array<string | null>; rest: Buffer } {
  const texts: Array<string | null> = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const op = buf[off] & 0x0f;
    const masked = (buf[off + 1] & 0x80) !== 0;
    let len = buf[off + 1] & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    }
    const keyAt = p;
    if (masked) p += 4;
    if (buf.length < p + len) break;
    let data = buf.subarray(p, p + len);
    if (masked) data = Buffer.from(data.map((b, i) => b ^ buf[keyAt + (i % 4)]));
    texts.push(op === 0x8 ? null : data.toString());
    off = p + len;
  }
  return { texts, rest: buf.subarray(off) };
}

/** The server side as express-ws hands it to a route: `send`, `close`, 'message' and 'close' events. */
export class ServerSocket {
  private readonly listeners = new Map<string, Array<(...a: unknown[]) => void>>();
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      const r = readFrames(Buffer.concat([this.buf, d]));
      this.buf = r.rest;
      for (const t of r.texts) {
        if (t === null) this.close();
        else this.emit('message', t);
      }
    });
    socket.on('close', () => this.emit('close', 1000));
    socket.on('error', () => undefined);
  }
  on(event: string, fn: (...a: unknown[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  private emit(event: string, ...a: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...a);
  }
  send(text: string): void {
    if (!this.socket.destroyed) this.socket.write(frame(text, false));
  }
  close(): void {
    if (!this.socket.destroyed) this.socket.end(Buffer.from([0x88, 0]));
  }
}

/** express-ws's routing: the upgrade becomes `GET <path>/.websocket` with `req.ws` and a stand-in response. */
export function acceptWebSockets(server: http.Server, app: (req: http.IncomingMessage, res: http.ServerResponse) => void): void {
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    const accept = crypto.createHash('sha1').update(`${req.headers['sec-websocket-key']}${WS_GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    (req as unknown as { ws: ServerSocket }).ws = new ServerSocket(socket);
    req.url = `${req.url}/.websocket`;
    app(req, new http.ServerResponse(req));
  });
}

/** A client: opens the socket, sends `prompt`, collects frames until the server closes. */
export function agentSession(port: number, uuid: string, prompt: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const got: string[] = [];
    let buf: Buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('connect', () => {
      const key = crypto.randomBytes(16).toString('base64');
      socket.write(`GET /api/agent-invocation/${uuid} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!buf.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(buf.toString()));
        upgraded = true;
        buf = buf.subarray(end + 4);
        socket.write(frame(JSON.stringify({ type: 'prompt', content: prompt }), true));
      }
      const r = readFrames(buf);
      buf = r.rest;
      for (const t of r.texts) {
        if (t === null) socket.end();
        else {
          got.push(t);
          // The client's answer to WAITING_ON_INPUT: "exit", then the server closes.
          if (t.includes('WAITING_ON_INPUT')) socket.write(frame(JSON.stringify({ type: 'awaitingFeedback', feedback: 'exit' }), true));
        }
      }
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

// ---- the app ----------------------------------------------------------------------

export function agentApp(express: ExpressModule, Provider: new (c?: object) => { stream: Function; complete: Function }) {
  const app = express();
  const api = express.Router();
  // The agent session, as anything-llm's agentWebsocket endpoint runs it.
  api.get('/agent-invocation/:uuid/.websocket', (req, _res) => {
    const ws = (req as unknown as { ws: ServerSocket }).ws;
    ws.on('message', async (raw: unknown) => {
      const msg = JSON.parse(String(raw)) as { type: string; content?: string };
      if (msg.type === 'awaitingFeedback') return ws.close();
      const provider = new Provider({ model: 'stub-model' }); // a new instance per reply
      try {
        const reply = await provider.stream([{ role: 'user', content: msg.content }], [], (_t: string, ev: object) => ws.send(JSON.stringify(ev)));
        await new Provider({ model: 'stub-model' }).complete([{ role: 'user', content: 'summarise' }], []);
        ws.send(JSON.stringify({ type: 'usageMetrics' }));
        ws.send(JSON.stringify({ type: 'reply', content: (reply as { textResponse: string }).textResponse }));
        ws.send(JSON.stringify({ type: 'statusResponse', content: 'WAITING_ON_INPUT' }));
      } catch (e) {
        ws.send(JSON.stringify({ type: 'wssFailure', content: (e as Error).message }));
        ws.close();
      }
    });
  });
  app.use('/api', api);
  return app;
}

