// anything-llm as it really runs (issue 13, items 1-2), with code of our own shaped like it:
// - the default chat mode answers over a WebSocket that express-ws routes through Express as a
//   GET of `/api/agent-invocation/:uuid/.websocket` with a stand-in response that never
//   finishes; the agent's provider (aibitat: one class per file, built with a mixin helper that
//   copies the base class's methods at load) calls the LLM with `stream()` / `complete()`;
// - the openai-compatible route sends 200 headers, then sets statusCode 500 when the stream fails.
// Real sockets (HTTP, a WebSocket handshake and frames over TCP); the emitter in hot-shots mock mode.
import http from 'node:http';
import path from 'node:path';
import { createEmitter, type Emitter } from '../../src/emitter';
import { acceptWebSockets, agentApp, agentSession, freshExpress, writeProvider } from './agent-fixture';
import { closeServer, find, listen, parseLines, request, until } from './helpers';

let emitter: Emitter;
let server: http.Server;
let port: number;
const lines = () => parseLines(emitter.mockLines());

afterEach(async () => {
  if (server) await closeServer(server);
  await emitter?.close();
});

describe('the agent path (default chat mode)', () => {
  async function start(): Promise<void> {
    emitter = createEmitter({ mock: true });
    const file = writeProvider();
    // The preload instruments each module as it loads; here, the same call on the loaded module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Provider = require(file) as new (c?: object) => { stream: Function; complete: Function };
    expect(emitter.instrumentModule(file, Provider)).toMatchObject({ hook: 'agent', label: 'genericopenai', wrapped: 2 });
    // The base class and the re-exporting index are not providers.
    expect(emitter.instrumentModule(path.join(path.dirname(file), 'ai-provider.js'), class {})).toBeNull();
    expect(emitter.instrumentModule(path.join(path.dirname(file), 'index.js'), {})).toBeNull();
    const express = freshExpress();
    emitter.instrumentExpress(express);
    const app = agentApp(express, Provider);
    ({ server, port } = await listen(app));
    acceptWebSockets(server, app);
  }

  test('a session measures the provider calls (operation="agent", tokens, first token) and the session', async () => {
    await start();
    const frames = await agentSession(port, 'u-1', 'hello');
    expect(frames.some((f) => f.includes('"type":"reply"'))).toBe(true);
    const l = await until(lines, (x) => find(x, 'websocket.session.duration').length > 0, 'session metric');
    const calls = find(l, 'llm.request.duration', { provider: 'genericopenai', model: 'stub-model', operation: 'agent', outcome: 'success' });
    expect(calls).toHaveLength(2); // stream + complete
    const tokens = (kind: string) => find(l, 'llm.tokens', { provider: 'genericopenai', kind }).reduce((a, x) => a + x.value, 0);
    expect(tokens('prompt')).toBe(11 + 7);
    expect(tokens('completion')).toBe(2 + 3);
    expect(find(l, 'llm.ttft', { provider: 'genericopenai' })).toHaveLength(1);
    expect(find(l, 'websocket.session.duration', { route: '/api/agent-invocation/:uuid', outcome: 'success' })).toHaveLength(1);
    // The agent hook says which provider served calls (instrumentation.hook.serving), once.
    expect(find(l, 'instrumentation.hook.serving', { hook: 'agent', target: 'genericopenai' }).map((x) => x.value)).toEqual([1]);
    expect(find(l, 'instrumentation.hook.serving', { hook: 'llm' })).toHaveLength(0);
    // A WebSocket session is not an HTTP request: no request metric for the upgrade's stand-in response.
    expect(find(l, 'http.request.duration')).toHaveLength(0);
  });

  test('an LLM failure is an agent error and a failed session; an abort is aborted', async () => {
    await start();
    const frames = await agentSession(port, 'u-2', 'hello [fail:llm]');
    expect(frames.some((f) => f.includes('wssFailure'))).toBe(true);
    let l = await until(lines, (x) => find(x, 'websocket.session.duration').length > 0, 'session metric');
    expect(find(l, 'llm.request.duration', { operation: 'agent', outcome: 'error' })).toHaveLength(1);
    expect(find(l, 'websocket.session.duration', { outcome: 'error' })).toHaveLength(1);

    emitter.clearMock();
    await agentSession(port, 'u-3', 'hello [fail:stream]');
    l = await until(lines, (x) => find(x, 'websocket.session.duration').length > 0, 'session metric');
    expect(find(l, 'llm.request.duration', { operation: 'agent', outcome: 'error' })).toHaveLength(1);
    expect(find(l, 'websocket.session.duration', { outcome: 'error' })).toHaveLength(1);

    emitter.clearMock();
    await agentSession(port, 'u-4', 'hello [abort]');
    l = await until(lines, (x) => find(x, 'websocket.session.duration').length > 0, 'session metric');
    expect(find(l, 'llm.request.duration', { operation: 'agent', outcome: 'aborted' })).toHaveLength(1);
  });
});

describe('what the client received', () => {
  test('a stream that fails after its 200 headers is 2xx for the client and an SSE error, like the LLM call', async () => {
    emitter = createEmitter({ mock: true });
    class StreamingLLM {
      model = 'stub-model';
      async streamGetChatCompletion(): Promise<AsyncIterable<string>> {
        async function* gen() {
          yield 'Hel';
          throw new Error('Premature close');
        }
        return gen();
      }
    }
    emitter.instrumentLLM(StreamingLLM, { provider: 'genericOpenAi' });
    const express = freshExpress();
    emitter.instrumentExpress(express);
    const app = express();
    // Shaped like anything-llm's openai-compatible chat completions with stream:true.
    app.post('/api/v1/openai/chat/completions', async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      try {
        for await (const chunk of await new StreamingLLM().streamGetChatCompletion()) res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: chunk } }] })}\n\n`);
      } catch {
        res.statusCode = 500;
      }
      res.end();
    });
    ({ server, port } = await listen(app));
    const r = await request(port, 'POST', '/api/v1/openai/chat/completions', { stream: true });
    expect(r.status).toBe(200);
    const l = await until(lines, (x) => find(x, 'http.sse.streams').length > 0, 'sse metric');
    expect(find(l, 'http.request.duration', { route: '/api/v1/openai/chat/completions', status_class: '2xx' })).toHaveLength(1);
    expect(find(l, 'http.request.duration', { status_class: '5xx' })).toHaveLength(0);
    expect(find(l, 'llm.request.duration', { operation: 'stream', outcome: 'error' })).toHaveLength(1);
    expect(find(l, 'http.sse.streams', { outcome: 'error' })).toHaveLength(1);
  });

  test('a status set before the first write is the one reported', async () => {
    emitter = createEmitter({ mock: true });
    const express = freshExpress();
    emitter.instrumentExpress(express);
    const app = express();
    app.get('/x', (_req, res) => {
      res.statusCode = 503;
      res.write('busy');
      res.statusCode = 200; // too late: the status line is on the wire
      res.end();
    });
    ({ server, port } = await listen(app));
    expect((await request(port, 'GET', '/x')).status).toBe(503);
    const l = await until(lines, (x) => find(x, 'http.request.duration').length > 0, 'request metric');
    expect(find(l, 'http.request.duration', { route: '/x', status_class: '5xx' })).toHaveLength(1);
  });
});
