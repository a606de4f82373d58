import type * as http from 'node:http';
import type { Express, Router } from 'express';
import { createEmitter, type Emitter } from '../../src/emitter';
import { closeServer, find, listen, parseLines, request, requestThenHangUp, until, type StatsdLine } from './helpers';

type ExpressModule = typeof import('express');

/** A fresh copy of express (jest module registry), so patching one copy never leaks into another test. */
function freshExpress(): ExpressModule {
  let e: ExpressModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    e = require('express') as ExpressModule;
  });
  return e as ExpressModule;
}

function lines(emitter: Emitter): StatsdLine[] {
  return parseLines(emitter.mockLines());
}

function waitForLines(emitter: Emitter, name: string, n: number): Promise<StatsdLine[]> {
  return until(() => find(lines(emitter), name), (ls) => ls.length >= n, `${n} x ${name}`);
}

/** Routes shaped like anything-llm's: everything on one router mounted at /api. */
function routes(express: ExpressModule, app: Express, hooks: { reached?: () => void } = {}): void {
  const api: Router = express.Router();
  api.get('/ping', (_req, res) => {
    res.json({ online: true });
  });
  api.get('/workspace/:slug', (req, res) => {
    if (req.params.slug === 'missing') res.sendStatus(404);
    else res.json({ slug: req.params.slug });
  });
  api.post('/system/update-env', (_req, _res, next) => next(new Error('nope')));
  api.get('/v1/document/:docName', (_req, res) => {
    res.status(302).setHeader('location', '/x');
    res.end();
  });
  api.post('/workspace/:slug/stream-chat', (req, res) => {
    res.setHeader('Content-Type', 'text/event-stream');
    res.flushHeaders();
    const mode = String(req.query.mode ?? 'ok');
    res.write(`data: ${JSON.stringify({ type: 'textResponseChunk', textResponse: 'hi' })}\n\n`);
    if (mode === 'hang') return; // the client hangs up
    if (mode === 'abort') {
      res.write(Buffer.from(`data: ${JSON.stringify({ type: 'abort', error: 'LLM failed' })}\n\n`));
    }
    res.end(`data: ${JSON.stringify({ type: 'finalizeResponseStream', close: true })}\n\n`);
  });
  api.get('/raw-sse/:id', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.end('data: {"id":1,"type":"abort","error":"x"}\n\n');
  });
  api.get('/slow/:id', (_req, _res) => {
    hooks.reached?.(); // never answers: the client gives up
  });
  app.use('/api', api);
  app.all('*', (_req, res) => {
    res.sendStatus(404);
  });
  app.use((err: Error, _req: http.IncomingMessage, res: http.ServerResponse & { status: (n: number) => { json: (b: unknown) => void } }, _next: unknown) => {
    res.status(500).json({ error: err.message });
  });
}

describe('express middleware', () => {
  let emitter: Emitter;
  let server: http.Server;
  let port: number;
  let reached: () => void = () => undefined;

  beforeAll(async () => {
    const express = freshExpress();
    emitter = createEmitter({ mock: true, ignoreRoutes: ['/api/v1/ignored'] });
    const app = express();
    app.use(emitter.expressMiddleware());
    app.use(emitter.expressMiddleware()); // installed twice: still one measurement per request
    routes(express, app, { reached: () => reached() });
    ({ server, port } = await listen(app));
  });
  afterAll(async () => {
    await closeServer(server);
    await emitter.close();
  });
  beforeEach(() => emitter.clearMock());

  it('labels by route template, method and status class — never the URL', async () => {
    await request(port, 'GET', '/api/workspace/acme-corp-42');
    await request(port, 'GET', '/api/workspace/missing');
    await request(port, 'GET', '/api/v1/document/secret-report.pdf');
    const ls = await waitForLines(emitter, 'http.request.duration', 3);
    expect(ls.map((l) => l.tags)).toEqual([
      { route: '/api/workspace/:slug', method: 'GET', status_class: '2xx' },
      { route: '/api/workspace/:slug', method: 'GET', status_class: '4xx' },
      { route: '/api/v1/document/:docName', method: 'GET', status_class: '3xx' },
    ]);
    for (const l of ls) {
      expect(l.type).toBe('ms');
      expect(l.value).toBeGreaterThanOrEqual(0);
    }
    expect(emitter.mockLines().join('\n')).not.toMatch(/acme-corp-42|secret-report/);
  });

  it('reports requests that matched no route (or only the catch-all) as unmatched', async () => {
    await request(port, 'GET', '/totally/unknown/path?x=1');
    await request(port, 'DELETE', '/api/nothing-here');
    const ls = await waitForLines(emitter, 'http.request.duration', 2);
    expect(ls.map((l) => l.tags)).toEqual([
      { route: 'unmatched', method: 'GET', status_class: '4xx' },
      { route: 'unmatched', method: 'DELETE', status_class: '4xx' },
    ]);
  });

  it('skips ignored routes', async () => {
    await request(port, 'GET', '/api/ping');
    await waitForLines(emitter, 'http.request.duration', 1);
    expect(find(lines(emitter), 'http.request.duration')[0]?.tags.route).toBe('/api/ping');
  });

  it('classifies SSE streams: success, in-band abort frame, client hang-up', async () => {
    const ok = await request(port, 'POST', '/api/workspace/w1/stream-chat?mode=ok', {});
    expect(ok.status).toBe(200);
    const aborted = await request(port, 'POST', '/api/workspace/w1/stream-chat?mode=abort', {});
    expect(aborted.status).toBe(200);
    expect(aborted.body).toContain('"type":"abort"');
    await requestThenHangUp(port, 'POST', '/api/workspace/w1/stream-chat?mode=hang', {});
    const sse = await waitForLines(emitter, 'http.sse.streams', 3);
    expect(sse.map((l) => [l.tags.route, l.tags.outcome, l.value, l.type])).toEqual([
      ['/api/workspace/:slug/stream-chat', 'success', 1, 'c'],
      ['/api/workspace/:slug/stream-chat', 'abort', 1, 'c'],
      ['/api/workspace/:slug/stream-chat', 'client_closed', 1, 'c'],
    ]);
    // SSE chats answer 200 even when they fail in-band
    const durations = find(lines(emitter), 'http.request.duration');
    expect(durations.map((l) => l.tags.status_class)).toEqual(['2xx', '2xx', '2xx']);
  });

  it('sees SSE content types passed straight to writeHead', async () => {
    await request(port, 'GET', '/api/raw-sse/1');
    const sse = await waitForLines(emitter, 'http.sse.streams', 1);
    expect(sse[0]?.tags).toEqual({ route: '/api/raw-sse/:id', outcome: 'abort' });
  });

  it('does not treat a JSON body mentioning "type":"abort" as SSE', async () => {
    await request(port, 'GET', '/api/workspace/x');
    await waitForLines(emitter, 'http.request.duration', 1);
    expect(find(lines(emitter), 'http.sse.streams')).toHaveLength(0);
  });

  it('marks requests the client abandoned before any header as aborted', async () => {
    const gotThere = new Promise<void>((resolve) => (reached = resolve));
    const req = (await import('node:http')).request({ host: '127.0.0.1', port, path: '/api/slow/1', agent: false });
    req.on('error', () => undefined);
    req.end();
    await gotThere;
    req.destroy();
    const ls = await waitForLines(emitter, 'http.request.duration', 1);
    expect(ls[0]?.tags).toEqual({ route: '/api/slow/:id', method: 'GET', status_class: 'aborted' });
  });
});

describe('instrumentExpress (no change to the app)', () => {
  let emitter: Emitter;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    const express = freshExpress();
    emitter = createEmitter({ mock: true });
    expect(emitter.instrumentExpress(express)).toBe(true);
    expect(emitter.instrumentExpress(express)).toBe(true); // idempotent
    const app = express(); // created after the patch, never told about the emitter
    routes(express, app);
    ({ server, port } = await listen(app));
  });
  afterAll(async () => {
    await closeServer(server);
    await emitter.close();
  });
  beforeEach(() => emitter.clearMock());

  it('measures every request of an app created after the patch', async () => {
    await request(port, 'GET', '/api/ping');
    await request(port, 'GET', '/api/workspace/abc');
    await request(port, 'GET', '/nope');
    const ls = await waitForLines(emitter, 'http.request.duration', 3);
    expect(ls.map((l) => l.tags.route)).toEqual(['/api/ping', '/api/workspace/:slug', 'unmatched']);
  });

  it('keeps the template when an error leaves the router through next(err)', async () => {
    const r = await request(port, 'POST', '/api/system/update-env', {});
    expect(r.status).toBe(500);
    const ls = await waitForLines(emitter, 'http.request.duration', 1);
    expect(ls[0]?.tags).toEqual({ route: '/api/system/update-env', method: 'POST', status_class: '5xx' });
  });

  it('reports the http hook as loaded and active', () => {
    expect(emitter.hookStates().http).toEqual({ loaded: true, targets: 2 });
    emitter.emitHookStatus();
    const ls = lines(emitter);
    expect(find(ls, 'instrumentation.hook.active', { hook: 'http' }).map((l) => l.value)).toEqual([1]);
    expect(find(ls, 'instrumentation.hook.active', { hook: 'llm' }).map((l) => l.value)).toEqual([0]);
    expect(find(ls, 'instrumentation.hook.loaded', { hook: 'http' }).map((l) => l.value)).toEqual([1]);
  });
});

describe('emitter options on the wire', () => {
  it('applies prefix, global tags and the sample rate; gauges are never sampled', async () => {
    const emitter = createEmitter({ mock: true, prefix: 'custom.', globalTags: { env: 'test' }, sampleRate: 0.999999 });
    emitter.emitHookStatus();
    const gauges = parseLines(emitter.mockLines());
    expect(gauges).toHaveLength(12); // two gauges for each of the six hooks
    for (const g of gauges) {
      expect(g.name.startsWith('custom.instrumentation.hook.')).toBe(true);
      expect(g.tags.env).toBe('test');
      expect(g.rate).toBe(1);
    }
    await emitter.close();
  });

  it('swallows and counts send errors, reporting them later', async () => {
    const emitter = createEmitter({ mock: true });
    const handler = (emitter.client as unknown as { errorHandler: (e: Error) => void }).errorHandler;
    handler(new Error('EHOSTUNREACH'));
    handler(new Error('EHOSTUNREACH'));
    expect(emitter.stats().sendErrors).toBe(2);
    emitter.emitHookStatus();
    expect(find(parseLines(emitter.mockLines()), 'emitter.errors', { kind: 'send' }).map((l) => l.value)).toEqual([2]);
    emitter.clearMock();
    emitter.emitHookStatus();
    expect(find(parseLines(emitter.mockLines()), 'emitter.errors')).toHaveLength(0);
    await emitter.close();
  });

  it('sends real UDP datagrams to the configured port', async () => {
    const { UdpSink } = await import('./helpers');
    const sink = await UdpSink.open();
    const emitter = createEmitter({ host: '127.0.0.1', port: sink.port });
    emitter.emitHookStatus();
    await sink.waitFor((ls) => ls.length >= 10, '10 hook gauges');
    expect(find(sink.lines, 'instrumentation.hook.loaded')).toHaveLength(5);
    await emitter.close();
    await sink.close();
  });
});
