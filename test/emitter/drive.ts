// Drives an emitter (hot-shots mock mode) through every code path that produces a metric,
// and returns the StatsD lines. Used by schema.test.ts to check names, mapping and docs.
import * as http from 'node:http';
import { createEmitter, type Emitter } from '../../src/emitter';
import { acceptWebSockets, agentApp, agentSession, writeProvider } from './agent-fixture';
import { closeServer, listen, request, requestThenHangUp, until } from './helpers';

type ExpressModule = typeof import('express');

function freshExpress(): ExpressModule {
  let e: ExpressModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    e = require('express') as ExpressModule;
  });
  return e as ExpressModule;
}

async function driveHttp(emitter: Emitter): Promise<void> {
  const express = freshExpress();
  emitter.instrumentExpress(express);
  const app = express();
  const api = express.Router();
  let reached: () => void = () => undefined;
  api.all('/echo/:status', (req, res) => {
    res.status(Number(req.params.status)).end();
  });
  api.post('/workspace/:slug/stream-chat', (req, res) => {
    res.setHeader('Content-Type', 'text/event-stream');
    res.flushHeaders();
    res.write('data: {"type":"textResponseChunk","textResponse":"hi"}\n\n');
    if (req.query.mode === 'hang') return;
    if (req.query.mode === 'abort') res.write('data: {"type":"abort","error":"x"}\n\n');
    res.end();
  });
  api.get('/slow', () => reached());
  app.use('/api', api);
  app.all('*', (_req, res) => {
    res.sendStatus(404);
  });
  const { server, port } = await listen(app);
  try {
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) await request(port, m, '/api/echo/204');
    for (const s of [200, 302, 404, 503]) await request(port, 'GET', `/api/echo/${s}`);
    await request(port, 'PROPFIND', '/not/routed');
    await request(port, 'POST', '/api/workspace/w/stream-chat?mode=ok', {});
    await request(port, 'POST', '/api/workspace/w/stream-chat?mode=abort', {});
    await requestThenHangUp(port, 'POST', '/api/workspace/w/stream-chat?mode=hang', {});
    const gotThere = new Promise<void>((r) => (reached = r));
    const req = http.request({ host: '127.0.0.1', port, path: '/api/slow', agent: false });
    req.on('error', () => undefined);
    req.end();
    await gotThere;
    req.destroy();
    await until(() => emitter.mockLines().filter((l) => l.includes('status_class:aborted')).length, (n) => n > 0, 'aborted request');
    await until(() => emitter.mockLines().filter((l) => l.includes('outcome:client_closed')).length, (n) => n > 0, 'client_closed stream');
  } finally {
    await closeServer(server);
  }
}

async function driveLlm(emitter: Emitter): Promise<void> {
  const abortError = Object.assign(new Error('aborted'), { name: 'AbortError' });
  class Llm {
    model = 'gpt-4o';
    async getChatCompletion(mode: string) {
      if (mode === 'error') throw new Error('x');
      if (mode === 'abort') throw abortError;
      return { textResponse: 't', metrics: { prompt_tokens: 4, completion_tokens: 2 } };
    }
    async streamGetChatCompletion(mode: string) {
      async function* gen() {
        yield 'a';
        if (mode === 'error') throw new Error('broken');
        if (mode === 'abort') throw abortError;
        yield 'b';
      }
      const s = gen() as AsyncGenerator<string> & { endMeasurement: (u: object) => object };
      s.endMeasurement = (u) => u;
      return s;
    }
  }
  emitter.instrumentLLM(Llm, { provider: 'openai' });
  const llm = new Llm();
  for (const mode of ['ok', 'error', 'abort']) {
    await llm.getChatCompletion(mode).catch(() => undefined);
    const s = await llm.streamGetChatCompletion(mode);
    try {
      for await (const _ of s) void _;
      s.endMeasurement({ prompt_tokens: 3, completion_tokens: 2 });
    } catch {
      s.endMeasurement({ prompt_tokens: 3, completion_tokens: 1 });
    }
  }
  class Other {
    model = 'not-allowlisted';
    async getChatCompletion() {
      return { textResponse: 't' };
    }
  }
  emitter.instrumentLLM(Other, { provider: 'ollama' });
  await new Other().getChatCompletion();
}

/** The agent path (aibitat providers over an express-ws WebSocket) and a stream failing after its 200 headers. */
async function driveAgent(emitter: Emitter): Promise<void> {
  const file = writeProvider();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Provider = require(file) as new (c?: object) => { stream: Function; complete: Function };
  emitter.instrumentModule(file, Provider);
  const express = freshExpress();
  emitter.instrumentExpress(express);
  const app = agentApp(express, Provider);
  class FailingStream {
    model = 'gpt-4o';
    async streamGetChatCompletion(): Promise<AsyncIterable<string>> {
      async function* gen() {
        yield 'a';
        throw new Error('Premature close');
      }
      return gen();
    }
  }
  emitter.instrumentLLM(FailingStream, { provider: 'genericOpenAi' });
  app.post('/api/v1/openai/chat/completions', async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    try {
      for await (const c of await new FailingStream().streamGetChatCompletion()) res.write(`data: ${c}\n\n`);
    } catch {
      res.statusCode = 500;
    }
    res.end();
  });
  const { server, port } = await listen(app);
  acceptWebSockets(server, app);
  try {
    for (const prompt of ['hello', 'hello [fail:llm]', 'hello [abort]']) await agentSession(port, 'u', prompt);
    await request(port, 'POST', '/api/v1/openai/chat/completions', { stream: true });
    await until(() => emitter.mockLines().filter((l) => l.includes('websocket.session.duration')).length, (n) => n >= 3, 'agent sessions');
  } finally {
    await closeServer(server);
  }
}

async function driveEmbeddingAndVector(emitter: Emitter): Promise<void> {
  class Embedder {
    async embedTextInput(t: string) {
      return (await this.embedChunks([t]))[0] ?? [];
    }
    async embedChunks(c: string[]) {
      if (c.includes('fail')) throw new Error('x');
      return c.map(() => [1]);
    }
  }
  emitter.instrumentEmbedder(Embedder, { provider: 'native' });
  const em = new Embedder();
  await em.embedTextInput('q');
  await em.embedChunks(['a', 'b']);
  await em.embedChunks(['fail']).catch(() => undefined);

  class Lance {
    async performSimilaritySearch({ input }: { input: string }) {
      return { contextTexts: [], sources: [], message: input === 'bad' ? 'no documents' : false };
    }
    async addDocumentToNamespace(_ns: string, doc: { ok: boolean }) {
      return { vectorized: doc.ok, error: doc.ok ? null : 'x' };
    }
  }
  emitter.instrumentVectorDb(Lance, { vectorDb: 'lance' });
  const db = new Lance();
  await db.performSimilaritySearch({ input: 'q' });
  await db.performSimilaritySearch({ input: 'bad' });
  await db.addDocumentToNamespace('n', { ok: true });
  await db.addDocumentToNamespace('n', { ok: false });
}

/** One collector answer per document reason (the classification is unit-tested in labels.test.ts). */
const REASON_SAMPLES: Record<string, string> = {
  file_not_found: 'File does not exist in upload directory.',
  unsupported_type: 'File extension .xyz not supported for parsing and cannot be assumed as text file type.',
  no_content: 'No text content found in a.pdf.',
  collector_unreachable: 'fetch failed',
  collector_error: 'Response could not be completed',
  timeout: 'Headers Timeout Error',
  http_error: 'HTTP 500: Internal Server Error',
  processing_error: 'A processing error occurred.',
  other: 'something unexpected',
};

async function driveDocuments(emitter: Emitter): Promise<void> {
  class CollectorApi {
    async online() {
      return true;
    }
    async processDocument(reason: string) {
      if (reason === 'throw') throw new Error('x');
      if (reason === '') return false;
      if (reason === 'ok') return { success: true, reason: null };
      return { success: false, reason };
    }
    async processLink() {
      return { success: true };
    }
    async processRawText() {
      return { success: true };
    }
    async parseDocument() {
      return { success: true };
    }
  }
  emitter.instrumentCollectorApi(CollectorApi);
  const c = new CollectorApi();
  await c.online();
  await c.processDocument('ok');
  await c.processDocument('');
  await c.processDocument('throw').catch(() => undefined);
  for (const r of Object.values(REASON_SAMPLES)) await c.processDocument(r);
  await c.processLink();
  await c.processRawText();
  await c.parseDocument();
}

function driveSelfMetrics(emitter: Emitter): void {
  // every hook, loaded or not
  emitter.instrumentModule('/app/server/utils/EmbeddingEngines/broken/index.js', { NotAnEmbedder: class {} });
  // a hook that fails to patch (frozen prototype) -> emitter.errors{kind=hook}
  class Frozen {
    async getChatCompletion() {
      return null;
    }
  }
  Object.freeze(Frozen.prototype);
  emitter.instrumentLLM(Frozen, { provider: 'frozen' });
  // an instrumentation bug -> emitter.errors{kind=instrumentation}
  class Buggy {
    get model(): string {
      throw new Error('bug');
    }
    async getChatCompletion() {
      return null;
    }
  }
  emitter.instrumentLLM(Buggy, { provider: 'buggy' });
  void new Buggy().getChatCompletion();
  // a send error -> emitter.errors{kind=send}, reported with the heartbeat
  (emitter.client as unknown as { errorHandler: (e: Error) => void }).errorHandler(new Error('EHOSTUNREACH'));
  emitter.emitHookStatus();
}

/** The runtime gauges: a heartbeat's sample after some garbage (GC pauses) and a busy loop (lag). */
async function driveRuntime(emitter: Emitter): Promise<void> {
  emitter.startRuntimeMetrics('Drive Host.1');
  let keep = 0;
  for (let i = 0; i < 200; i++) keep += new Array(10_000).fill(i).length; // young-generation garbage
  const until = Date.now() + 30;
  while (Date.now() < until) keep++; // a blocked loop: some event-loop delay
  await new Promise((r) => setTimeout(r, 60));
  emitter.sampleRuntime();
  if (keep < 0) throw new Error('unreachable');
}

export async function driveAllCodePaths(): Promise<string[]> {
  const emitter = createEmitter({ mock: true, modelAllowlist: ['gpt-4o'] });
  try {
    await driveHttp(emitter);
    await driveLlm(emitter);
    await driveAgent(emitter);
    await driveEmbeddingAndVector(emitter);
    await driveDocuments(emitter);
    driveSelfMetrics(emitter);
    await driveRuntime(emitter);
    await new Promise((r) => setImmediate(r));
    return emitter.mockLines();
  } finally {
    await emitter.close();
  }
}
