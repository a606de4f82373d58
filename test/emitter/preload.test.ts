// The preload against an unmodified anything-llm-shaped app: spawn
//   node --require dist/emitter/register.js test/fixtures/fake-anythingllm/server/index.js
// with a UDP socket on 127.0.0.1:0 standing in for the bridge, drive requests, and check the
// StatsD lines that arrive. dist/ comes from `npm run build` (npm test runs it first).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FIXTURE,
  REGISTER,
  childEnv,
  find,
  request,
  requestThenHangUp,
  spawnNode,
  UdpSink,
  type Spawned,
  type StatsdLine,
} from './helpers';

const SERVER = path.join(FIXTURE, 'server', 'index.js');
const COLLECTOR = path.join(FIXTURE, 'collector', 'index.js');

beforeAll(() => {
  if (!fs.existsSync(REGISTER)) throw new Error(`${REGISTER} is missing: run \`npx tsc -p tsconfig.json\` (npm test builds first)`);
});

const has = (name: string, tags: Record<string, string> = {}, value?: number) => (ls: StatsdLine[]) =>
  find(ls, name, tags).some((l) => value === undefined || l.value === value);

describe('preload in the server process', () => {
  let sink: UdpSink;
  let app: Spawned;
  let port: number;

  beforeAll(async () => {
    sink = await UdpSink.open();
    app = spawnNode(['--require', REGISTER, SERVER], childEnv({
      PORT: '0',
      STATSD_PORT: String(sink.port),
      STATSD_BRIDGE_HEARTBEAT_MS: '0',
      STATSD_BRIDGE_MODELS: 'gpt-4o-mini',
    }));
    const listening = await app.waitForEvent((e) => e.event === 'listening');
    port = Number(listening.port);
  });
  afterAll(async () => {
    await app?.stop();
    await sink?.close();
  });

  it('emits the boot event naming the active hooks', async () => {
    // express (http) and the CollectorApi (document) load with the app; providers load lazily.
    const hooks = ['http', 'llm', 'embedding', 'vector_db', 'document'];
    const ls = await sink.waitFor(
      (ls) => hooks.every((hook) => has('instrumentation.hook.active', { hook })(ls) && has('instrumentation.hook.loaded', { hook })(ls)),
      'a hook.active and a hook.loaded gauge per hook',
    );
    const last = (name: string, hook: string) => find(ls, name, { hook }).at(-1)?.value;
    expect(hooks.map((h) => [h, last('instrumentation.hook.active', h), last('instrumentation.hook.loaded', h)])).toEqual([
      ['http', 1, 1],
      ['llm', 0, 0],
      ['embedding', 0, 0],
      ['vector_db', 0, 0],
      ['document', 1, 1],
    ]);
    for (const l of find(ls, 'instrumentation.hook.active')) expect(l.type).toBe('g');
  });

  it('labels HTTP requests by route template, never by URL', async () => {
    expect((await request(port, 'GET', '/api/ping')).status).toBe(200);
    expect((await request(port, 'GET', '/api/workspace/acme-secret-42')).status).toBe(200);
    expect((await request(port, 'GET', '/api/workspace/missing')).status).toBe(404);
    expect((await request(port, 'GET', '/no/such/page?token=abc')).status).toBe(404);
    expect((await request(port, 'POST', '/api/system/update-env', { crash: true })).status).toBe(500);
    expect((await request(port, 'GET', '/api/v1/system')).status).toBe(403);
    await sink.waitFor(has('http.request.duration', { route: '/api/v1/system', status_class: '4xx' }), 'the 403');
    const tags = find(sink.lines, 'http.request.duration').map((l) => l.tags);
    expect(tags).toEqual(
      expect.arrayContaining([
        { route: '/api/ping', method: 'GET', status_class: '2xx' },
        { route: '/api/workspace/:slug', method: 'GET', status_class: '2xx' },
        { route: '/api/workspace/:slug', method: 'GET', status_class: '4xx' },
        { route: 'unmatched', method: 'GET', status_class: '4xx' },
        { route: '/api/system/update-env', method: 'POST', status_class: '5xx' },
        { route: '/api/v1/system', method: 'GET', status_class: '4xx' },
      ]),
    );
    expect(sink.raw.join('\n')).not.toMatch(/acme-secret-42|no\/such\/page|token=abc/);
  });

  it('measures document uploads: collector, vector insert and embedding', async () => {
    expect((await request(port, 'POST', '/api/workspace/docs/upload', { filename: 'notes.txt' })).status).toBe(200);
    expect((await request(port, 'POST', '/api/workspace/docs/upload', { filename: 'archive.xyz' })).status).toBe(500);
    expect((await request(port, 'POST', '/api/workspace/docs/upload', { filename: 'badembed.txt' })).status).toBe(500);
    expect((await request(port, 'POST', '/api/workspace/docs/upload-link', { link: 'ftp://nope' })).status).toBe(500);
    await sink.waitFor(
      (ls) =>
        has('document.processing', { kind: 'file', outcome: 'success', reason: 'none' })(ls) &&
        has('document.processing', { kind: 'file', outcome: 'failure', reason: 'unsupported_type' })(ls) &&
        has('document.processing', { kind: 'link', outcome: 'failure', reason: 'invalid_input' })(ls) &&
        has('vector.operation.duration', { vector_db: 'lance', operation: 'add_document', outcome: 'success' })(ls) &&
        has('vector.operation.duration', { vector_db: 'lance', operation: 'add_document', outcome: 'error' })(ls) &&
        has('embedding.request.duration', { provider: 'native', operation: 'embed_chunks', outcome: 'success' })(ls) &&
        has('embedding.request.duration', { provider: 'native', operation: 'embed_chunks', outcome: 'error' })(ls) &&
        has('collector.online', {}, 1)(ls) &&
        has('instrumentation.hook.active', { hook: 'vector_db' }, 1)(ls) &&
        has('instrumentation.hook.active', { hook: 'embedding' }, 1)(ls),
      'document, vector and embedding lines',
    );
    expect(find(sink.lines, 'http.request.duration', { route: '/api/workspace/:slug/upload' }).map((l) => l.tags.status_class)).toEqual([
      '2xx',
      '5xx',
      '5xx',
    ]);
  });

  it('follows SSE chats: success, in-band aborts, and a client that hangs up', async () => {
    const ok = await request(port, 'POST', '/api/workspace/chatty/stream-chat', { message: 'hello there' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('finalizeResponseStream');
    const broken = await request(port, 'POST', '/api/workspace/chatty/stream-chat', { message: 'hi [fail:stream]' });
    expect(broken.status).toBe(200);
    expect(broken.body).toContain('"type":"abort"');
    const refused = await request(port, 'POST', '/api/workspace/chatty/stream-chat', { message: 'hi [fail:llm]' });
    expect(refused.body).toContain('"type":"abort"');
    const noDocs = await request(port, 'POST', '/api/workspace/chatty/stream-chat', { message: 'hi [fail:vector]' });
    expect(noDocs.body).toContain('"type":"abort"');
    expect(await requestThenHangUp(port, 'POST', '/api/workspace/chatty/stream-chat', { message: 'hi [wait]' })).toBe(200);

    const route = '/api/workspace/:slug/stream-chat';
    const llm = { provider: 'openai', model: 'gpt-4o-mini', operation: 'stream' };
    await sink.waitFor(
      (ls) =>
        find(ls, 'http.sse.streams', { route, outcome: 'success' }).length === 1 &&
        find(ls, 'http.sse.streams', { route, outcome: 'abort' }).length === 3 &&
        find(ls, 'http.sse.streams', { route, outcome: 'client_closed' }).length === 1 &&
        has('llm.request.duration', { ...llm, outcome: 'success' })(ls) &&
        find(ls, 'llm.request.duration', { ...llm, outcome: 'error' }).length === 2 &&
        has('llm.request.duration', { ...llm, outcome: 'aborted' })(ls) &&
        has('vector.operation.duration', { vector_db: 'lance', operation: 'similarity_search', outcome: 'error' })(ls),
      'chat stream lines',
    );
    const ls = sink.lines;
    expect(find(ls, 'http.request.duration', { route }).map((l) => l.tags.status_class)).toEqual(['2xx', '2xx', '2xx', '2xx', '2xx']);
    expect(find(ls, 'llm.ttft', { provider: 'openai', model: 'gpt-4o-mini' }).length).toBeGreaterThanOrEqual(2);
    expect(find(ls, 'llm.tokens', { provider: 'openai', kind: 'completion' }).map((l) => l.value)).toContain(5);
    expect(has('instrumentation.hook.active', { hook: 'llm' }, 1)(ls)).toBe(true);
    // one search per chat; the query is embedded once per search that gets that far
    expect(find(ls, 'vector.operation.duration', { operation: 'similarity_search' })).toHaveLength(5);
    expect(find(ls, 'embedding.request.duration', { operation: 'embed_text' })).toHaveLength(4);
    expect(find(ls, 'embedding.request.duration', { operation: 'embed_chunks' }).length).toBeGreaterThan(0); // uploads only
  });

  it('measures the developer API chat (non-streaming) with its tokens', async () => {
    const r = await request(port, 'POST', '/api/v1/workspace/chatty/chat', { message: 'hi' }, { authorization: 'Bearer k' });
    expect(r.status).toBe(200);
    await sink.waitFor(
      (ls) =>
        has('llm.request.duration', { provider: 'openai', model: 'gpt-4o-mini', operation: 'chat', outcome: 'success' })(ls) &&
        has('llm.tokens', { provider: 'openai', model: 'gpt-4o-mini', kind: 'prompt' }, 10)(ls) &&
        has('http.request.duration', { route: '/api/v1/workspace/:slug/chat', method: 'POST', status_class: '2xx' })(ls),
      'v1 chat lines',
    );
  });

  it('sends only well-formed, known lines', () => {
    const names = new Set(sink.lines.map((l) => l.name));
    for (const n of names) expect(n).toMatch(/^anythingllm\.[a-z_.]+$/);
    for (const l of sink.lines) for (const v of Object.values(l.tags)) expect(v.length).toBeGreaterThan(0);
  });
});

describe('preload outside the server process', () => {
  it('is inert in the collector (a non-server entry script)', async () => {
    const sink = await UdpSink.open();
    const child = spawnNode(['--require', REGISTER, COLLECTOR], childEnv({ STATSD_PORT: String(sink.port), STATSD_BRIDGE_DEBUG: '1' }));
    const done = await child.waitForEvent((e) => e.event === 'done');
    expect(done.hotShotsLoaded).toBe(false); // not even the StatsD client was loaded
    expect(await child.exited).toBe(0);
    expect(child.stderr()).toContain('inactive: entry package is "anything-llm-document-collector"');
    await sink.sentinel('collector');
    expect(sink.raw).toEqual(['sentinel.collector:1|c']);
    await sink.close();
  });

  it('is inert in the server when STATSD_BRIDGE_EMITTER=off', async () => {
    const sink = await UdpSink.open();
    const app = spawnNode(['--require', REGISTER, SERVER], childEnv({ PORT: '0', STATSD_PORT: String(sink.port), STATSD_BRIDGE_EMITTER: 'off' }));
    const { port } = await app.waitForEvent((e) => e.event === 'listening');
    expect((await request(Number(port), 'GET', '/api/ping')).status).toBe(200);
    await app.stop();
    await sink.sentinel('off');
    expect(sink.raw).toEqual(['sentinel.off:1|c']);
    await sink.close();
  });

  it('can be forced on with STATSD_BRIDGE_EMITTER=on', async () => {
    const sink = await UdpSink.open();
    const child = spawnNode(['--require', REGISTER, COLLECTOR], childEnv({ STATSD_PORT: String(sink.port), STATSD_BRIDGE_EMITTER: 'on', STATSD_BRIDGE_HEARTBEAT_MS: '0' }));
    const done = await child.waitForEvent((e) => e.event === 'done');
    expect(done.hotShotsLoaded).toBe(true);
    await sink.waitFor(
      (ls) => has('http.request.duration', { route: '/process', method: 'POST', status_class: '2xx' })(ls) && has('llm.request.duration', { operation: 'chat' })(ls),
      'collector lines',
    );
    await child.exited;
    await sink.close();
  });
});
