// The user's whole story, natively (no Docker engine here): an Express app shaped like
// anything-llm, instrumented by the preload only, sends StatsD to the built bridge running
// mapping/anything-llm.yml; a real Prometheus scrapes the bridge and evaluates the shipped alert
// rules; the results are asserted with PromQL through Prometheus' HTTP API.
import fs from 'node:fs';
import path from 'node:path';
import { childEnv, request, spawnNode, type Spawned } from '../emitter/helpers';
import { REPO_ROOT, startDaemon, type Daemon } from '../support/daemon';
import { startPrometheus, type PrometheusServer, type PromSample } from '../support/prometheus';

const REGISTER = path.join(REPO_ROOT, 'dist', 'emitter', 'register.js');
const SERVER = path.join(REPO_ROOT, 'test', 'fixtures', 'fake-anythingllm', 'server', 'index.js');
const RULES = path.join(REPO_ROOT, 'deploy', 'prometheus', 'rules', 'anything-llm.rules.yml');

/**
 * The shipped rules, with HighErrorRate's `for: 5m` shortened so the test sees it go from
 * pending to firing; every expression is the shipped one.
 */
function rulesWithShortFor(): string {
  const text = fs.readFileSync(RULES, 'utf8');
  const at = text.indexOf('- alert: HighErrorRate');
  const forAt = text.indexOf('for: 5m', at);
  if (at < 0 || forAt < 0) throw new Error('HighErrorRate with for: 5m not found in the shipped rules');
  return text.slice(0, forAt) + 'for: 4s' + text.slice(forAt + 'for: 5m'.length);
}

function one(samples: PromSample[], what: string): number {
  if (samples.length !== 1) throw new Error(`${what}: expected one sample, got ${JSON.stringify(samples)}`);
  return samples[0].value;
}

describe('anything-llm -> emitter -> bridge -> Prometheus', () => {
  let bridge: Daemon;
  let app: Spawned;
  let prom: PrometheusServer;
  let appPort: number;
  const auth = { authorization: 'Bearer key' };

  beforeAll(async () => {
    bridge = await startDaemon({ args: [`--statsd.mapping-config=${path.join(REPO_ROOT, 'mapping', 'anything-llm.yml')}`] });
    app = spawnNode(
      ['--require', REGISTER, SERVER],
      childEnv({ PORT: '0', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(bridge.udpPort), STATSD_BRIDGE_HEARTBEAT_MS: '1000' }),
    );
    appPort = Number((await app.waitForEvent((e) => e.event === 'listening')).port);
    prom = await startPrometheus(
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files: [rules.yml]',
        'scrape_configs:',
        '  - job_name: statsd-bridge',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${bridge.httpPort}']`,
        '        labels: { replica: e2e }',
        '',
      ].join('\n'),
      { 'rules.yml': rulesWithShortFor() },
    );
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await app?.stop();
    await bridge?.stop();
  });

  test('requests, LLM, embedding, vector and document calls arrive as labelled series', async () => {
    expect((await request(appPort, 'GET', '/api/ping')).status).toBe(200);
    expect((await request(appPort, 'GET', '/api/workspace/acme')).status).toBe(200);
    expect((await request(appPort, 'POST', '/api/v1/workspace/acme/chat', { message: 'hello' }, auth)).status).toBe(200);
    expect((await request(appPort, 'POST', '/api/v1/workspace/acme/chat', { message: 'boom [fail:llm]' }, auth)).status).toBe(500);
    expect((await request(appPort, 'POST', '/api/v1/workspace/acme/vector-search', { query: 'q' }, auth)).status).toBe(200);
    expect((await request(appPort, 'POST', '/api/v1/openai/embeddings', { input: ['a', 'b', 'c'] }, auth)).status).toBe(200);
    expect((await request(appPort, 'POST', '/api/workspace/acme/upload', { filename: 'notes.txt' })).status).toBe(200);
    expect((await request(appPort, 'POST', '/api/workspace/acme/upload', { filename: 'archive.xyz' })).status).toBe(500);

    await prom.eventually(async () => {
      const routes = await prom.query('sum by (route, method, status_class) (anythingllm_http_request_duration_seconds_count{replica="e2e"})');
      const key = (s: PromSample) => `${s.metric.method} ${s.metric.route} ${s.metric.status_class}`;
      expect(routes.map(key)).toEqual(
        expect.arrayContaining([
          'GET /api/ping 2xx',
          'GET /api/workspace/:slug 2xx',
          'POST /api/v1/workspace/:slug/chat 2xx',
          'POST /api/v1/workspace/:slug/chat 5xx',
          'POST /api/workspace/:slug/upload 5xx',
        ]),
      );
      // Route templates only: the workspace slug never becomes a label value.
      expect(routes.some((s) => s.metric.route.includes('acme'))).toBe(false);
    });

    await prom.eventually(async () => {
      const llm = await prom.query('sum by (provider, outcome) (anythingllm_llm_request_duration_seconds_count)');
      expect(llm.map((s) => `${s.metric.provider}/${s.metric.outcome}`).sort()).toEqual(['openai/error', 'openai/success']);
      expect(one(await prom.query('sum(anythingllm_llm_tokens_total)'), 'tokens')).toBeGreaterThan(0);
      // Each chat retrieves context first (RAG), so 2 chats + 1 direct vector search = 3 searches.
      expect(one(await prom.query('sum(anythingllm_vector_operation_duration_seconds_count{operation="similarity_search"})'), 'vector')).toBe(3);
      expect(one(await prom.query('sum(anythingllm_embedding_request_duration_seconds_count{operation="embed_chunks"})'), 'embed')).toBeGreaterThanOrEqual(1);
      expect(one(await prom.query('sum(anythingllm_document_processing_total{outcome="failure"})'), 'doc failures')).toBe(1);
      expect(one(await prom.query('max(anythingllm_instrumentation_hook_active{hook="llm"})'), 'llm hook')).toBe(1);
    });

    // Histograms are real histograms: a p99 can be computed per route (over all time, here).
    const p99 = one(
      await prom.query('histogram_quantile(0.99, sum by (le, route) (anythingllm_http_request_duration_seconds_bucket{route="/api/ping"}))'),
      'p99',
    );
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThanOrEqual(120); // the largest finite bucket: the mapping's buckets are in force
    // The bridge parsed every line the emitter sent.
    expect(one(await prom.query('sum(statsd_exporter_sample_errors_total{job="statsd-bridge"})'), 'sample errors')).toBe(0);
    expect(one(await prom.query('sum(statsd_exporter_events_unmapped_total{job="statsd-bridge"})'), 'unmapped')).toBe(0);
  });

  test('a burst of 5xx takes HighErrorRate from pending to firing', async () => {
    // The series must exist in Prometheus before the burst, so that rate() sees the increase.
    expect((await request(appPort, 'POST', '/api/system/update-env', { crash: true })).status).toBe(500);
    await prom.eventually(async () => {
      expect((await prom.query('anythingllm_http_request_duration_seconds_count{route="/api/system/update-env"}')).length).toBe(1);
    });

    const states = new Set<string>();
    const burst = async () => {
      for (let i = 0; i < 10; i++) expect((await request(appPort, 'POST', '/api/system/update-env', { crash: true })).status).toBe(500);
    };
    await burst();
    const firing = await prom.eventually(async () => {
      const alerts = (await prom.alerts()).filter((a) => a.labels.alertname === 'HighErrorRate');
      for (const a of alerts) states.add(a.state);
      if (!alerts.some((a) => a.state === 'firing')) {
        // Keep the error rate up while the `for` window passes.
        await burst();
        throw new Error(`HighErrorRate not firing yet (seen: ${[...states].join(',') || 'nothing'})`);
      }
      return alerts.find((a) => a.state === 'firing')!;
    });
    expect(states.has('pending')).toBe(true);
    expect(firing.labels.severity).toBe('critical');
    expect(firing.labels.replica).toBe('e2e');
  }, 90_000);
});
