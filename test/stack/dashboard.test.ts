// The Grafana dashboard and provisioning: every PromQL expression parses (promtool, through a
// temporary rules file of recording rules), names only metrics and labels of the schema, and uses
// the provisioned datasource by uid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import {
  appSchema,
  checkAgainstSchema,
  expectSuccess,
  fullSeriesSchema,
  labelValueSchema,
  readRepo,
  requireTool,
  run,
  scanPromql,
  substituteGrafanaVars,
} from './helpers';

const DASHBOARD = 'deploy/grafana/dashboards/anything-llm.json';

interface Target {
  refId: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  datasource?: { type?: string; uid?: string };
  query?: string | { query: string };
  definition?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readRepo(DASHBOARD)) as Dashboard;
const allPanels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const panels = allPanels(dashboard.panels);
const dataPanels = panels.filter((p) => p.type !== 'row');
const varNames = new Set(dashboard.templating.list.map((v) => v.name));

interface Query {
  where: string;
  raw: string;
  expr: string;
}
/** Every PromQL expression of the dashboard (panel targets and label_values(...) selectors). */
function queries(): Query[] {
  const out: Query[] = [];
  for (const p of dataPanels) {
    for (const t of p.targets ?? []) {
      if (!t.expr) continue;
      const { expr, unknown } = substituteGrafanaVars(t.expr, varNames);
      if (unknown.length) throw new Error(`panel ${p.id} "${p.title}" ${t.refId}: undefined variable(s) ${unknown.join(', ')}`);
      out.push({ where: `panel ${p.id} "${p.title}" target ${t.refId}`, raw: t.expr, expr });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q.trim());
    if (!m) throw new Error(`variable ${v.name}: expected label_values(<selector>, <label>), got ${q}`);
    const { expr, unknown } = substituteGrafanaVars(m[1], varNames);
    if (unknown.length) throw new Error(`variable ${v.name}: undefined variable(s) ${unknown.join(', ')}`);
    out.push({ where: `variable ${v.name}`, raw: q, expr });
    // the label it lists must exist on that selector's metric
    out.push({ where: `variable ${v.name} (label)`, raw: q, expr: `count by (${m[2]}) (${expr})` });
  }
  return out;
}

describe('dashboard PromQL', () => {
  test('every expression parses (promtool check rules on a generated recording-rules file)', () => {
    const promtool = requireTool('promtool');
    const qs = queries();
    expect(qs.length).toBeGreaterThan(20);
    const rules = qs.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard.rules.yml');
      fs.writeFileSync(file, toYaml({ groups: [{ name: 'dashboard', rules }] }));
      const r = run(promtool, ['check', 'rules', file]);
      if (r.status !== 0) {
        // Point at the failing panel: promtool reports rules by index.
        const index = qs.map((q, i) => `  dashboard:query_${i} = ${q.where}: ${q.expr}`).join('\n');
        throw new Error(`promtool check rules failed\n${r.stdout}\n${r.stderr}\nrule index:\n${index}`);
      }
      expect(r.stdout).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every expression names only metrics, labels and label values of the schema', () => {
    const schema = fullSeriesSchema();
    const values = labelValueSchema();
    const problems = queries().flatMap((q) => checkAgainstSchema(q.expr, schema, values).map((p) => `${q.where}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('the schema check itself catches unknown metrics, labels and label values', () => {
    const schema = fullSeriesSchema();
    const values = labelValueSchema();
    expect(checkAgainstSchema('rate(statsd_bridge_series_dropped_total{reason="limit"}[5m])', schema, values)).toEqual([
      'statsd_bridge_series_dropped_total: reason="limit" is not a documented value (max_series, max_series_per_metric)',
    ]);
    expect(checkAgainstSchema('rate(statsd_exporter_config_reloads_total{outcome="success"}[5m])', schema, values)).toEqual([]);
    expect(checkAgainstSchema('sum(rate(anythingllm_no_such_metric_total[5m]))', schema)).toEqual(['unknown metric anythingllm_no_such_metric_total']);
    expect(checkAgainstSchema('rate(anythingllm_llm_tokens_total{direction="prompt"}[5m])', schema)).toEqual([
      'anythingllm_llm_tokens_total has no label "direction"',
    ]);
    expect(checkAgainstSchema('sum by (tenant) (rate(statsd_exporter_lines_total[5m]))', schema)).toEqual([
      'grouping label "tenant" is on none of the metrics used',
    ]);
    expect(checkAgainstSchema('label_replace(rate(up[5m]), "cause", "x", "", "")', schema)).toEqual([]);
    expect(scanPromql('histogram_quantile(0.9, sum by (le, route) (rate(anythingllm_http_request_duration_seconds_bucket{route=~".*"}[5m])))')).toEqual({
      selectors: [{ metric: 'anythingllm_http_request_duration_seconds_bucket', labels: ['route'], matchers: [{ label: 'route', op: '=~', value: '.*' }] }],
      groupingLabels: ['le', 'route'],
      createdLabels: [],
    });
  });

  test('covers requests, errors, latency, LLM, embeddings, vector search, documents and bridge health', () => {
    const text = queries().map((q) => q.expr).join('\n');
    const required = [
      'anythingllm_http_request_duration_seconds_count',
      'anythingllm_http_request_duration_seconds_bucket',
      'status_class="5xx"',
      'anythingllm_llm_request_duration_seconds_count',
      'anythingllm_llm_request_duration_seconds_bucket',
      'anythingllm_llm_tokens_total',
      'anythingllm_embedding_request_duration_seconds_bucket',
      'anythingllm_vector_operation_duration_seconds_bucket',
      'anythingllm_document_processing_total',
      'anythingllm_instrumentation_hook_active',
      'statsd_exporter_lines_total',
      'statsd_exporter_sample_errors_total',
      'statsd_exporter_udp_packet_drops_total',
      'statsd_bridge_series_dropped_total',
    ];
    expect(required.filter((r) => !text.includes(r))).toEqual([]);
    for (const quantile of ['0.5', '0.95', '0.99']) expect(text).toContain(`histogram_quantile(${quantile}, sum by (route, le)`);
  });

  test('uses Grafana variables that exist, and rate windows via $__rate_interval', () => {
    const exprs = dataPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    expect(exprs.filter((e) => /\[\d+[smhd]\]/.test(e))).toEqual([]);
    expect(exprs.some((e) => e.includes('$route'))).toBe(true);
    for (const v of dashboard.templating.list) expect(exprs.some((e) => e.includes(`$${v.name}`))).toBe(true);
  });
});

describe('dashboard structure', () => {
  const datasources = parseYaml(readRepo('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
    apiVersion: number;
    datasources: { name: string; uid: string; type: string; url: string; isDefault?: boolean }[];
  };
  const ds = datasources.datasources.find((d) => d.type === 'prometheus')!;

  test('datasource provisioning: a Prometheus datasource with a fixed uid, pointing at the compose service', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(ds).toBeDefined();
    expect(ds.uid).toBe('prometheus');
    expect(ds.url).toBe('http://prometheus:9090');
  });

  test('every panel, target and variable references that datasource by uid', () => {
    const bad: string[] = [];
    for (const p of dataPanels) {
      if (p.datasource?.uid !== ds.uid || p.datasource?.type !== 'prometheus') bad.push(`panel ${p.id}`);
      for (const t of p.targets ?? []) if (t.datasource?.uid !== ds.uid) bad.push(`panel ${p.id} target ${t.refId}`);
    }
    for (const v of dashboard.templating.list) if (v.type === 'query' && v.datasource?.uid !== ds.uid) bad.push(`variable ${v.name}`);
    expect(bad).toEqual([]);
  });

  test('uid and title are set, panel ids are unique, panels fit the 24-column grid without overlapping', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, number>();
    for (const p of panels) {
      const g = p.gridPos;
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const k = `${x},${y}`;
          if (cells.has(k)) throw new Error(`panel ${p.id} overlaps panel ${cells.get(k)} at ${k}`);
          cells.set(k, p.id);
        }
      }
    }
  });

  test('dashboard provisioning loads the directory compose mounts the dashboards into', () => {
    const prov = parseYaml(readRepo('deploy/grafana/provisioning/dashboards/dashboards.yml')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(prov.apiVersion).toBe(1);
    expect(prov.providers.map((p) => p.options.path)).toEqual(['/etc/grafana/dashboards']);
    // compose.test.ts checks that ./deploy/grafana/dashboards is mounted there.
  });

  test(`the schema source is reported (${appSchema().from})`, () => {
    expect(appSchema().families.length).toBeGreaterThan(0);
  });
});
