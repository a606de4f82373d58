// Prometheus side of the deployment stack: configs, alert rules and their unit tests are checked
// with the real promtool; rules and Alertmanager config are cross-checked with the metric schema.
// (amtool is not part of the CI install, so alertmanager.yml gets structural checks only; with the
// prometheus-alertmanager package: amtool check-config deploy/alertmanager/alertmanager.yml.)
import { parse as parseYaml } from 'yaml';
import { checkAgainstSchema, expectSuccess, fullSeriesSchema, labelValueSchema, readRepo, requireTool, run } from './helpers';

const PROM_DIR = 'deploy/prometheus';
const RULES = `${PROM_DIR}/rules/anything-llm.rules.yml`;
const RULE_TESTS = `${PROM_DIR}/rules/anything-llm.rules.test.yml`;

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: AlertRule[] }[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; eval_time: string; exp_alerts?: unknown[] }[] }[];
}

const rulesFile = (): RulesFile => parseYaml(readRepo(RULES)) as RulesFile;
const alerts = (): AlertRule[] => rulesFile().groups.flatMap((g) => g.rules).filter((r) => r.alert);

describe('promtool', () => {
  let promtool: string;
  beforeAll(() => {
    promtool = requireTool('promtool');
  });

  test('check config: prometheus.yml (and the rule files it loads)', () => {
    const r = expectSuccess(run(promtool, ['check', 'config', `${PROM_DIR}/prometheus.yml`]));
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: 1 rule files found/);
  });

  test('check config --agent: prometheus-agent.yml (scale profile)', () => {
    expectSuccess(run(promtool, ['check', 'config', '--agent', `${PROM_DIR}/prometheus-agent.yml`]));
  });

  test('check rules', () => {
    const r = expectSuccess(run(promtool, ['check', 'rules', RULES]));
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('test rules: every unit test passes', () => {
    const r = expectSuccess(run(promtool, ['test', 'rules', RULE_TESTS]));
    expect(r.stdout).toMatch(/SUCCESS/);
  });
});

describe('alert rules', () => {
  test('the rules file holds the expected alerts', () => {
    const names = alerts().map((a) => a.alert);
    for (const n of ['HighErrorRate', 'HighP99Latency', 'LLMErrorRate', 'BridgeDroppingLines', 'InstrumentationHookInactive']) expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
  });

  test.each(alerts().map((a) => [a.alert!, a] as const))('%s has severity, summary, description and a for: clause', (_name, a) => {
    expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
    expect(a.annotations?.summary?.trim()).toBeTruthy();
    expect(a.annotations?.description?.trim()).toBeTruthy();
    expect(a.for).toMatch(/^\d+[smh]$/);
  });

  test.each(alerts().map((a) => [a.alert!, a.expr] as const))('%s uses only metrics, labels and label values of the schema', (_name, expr) => {
    expect(checkAgainstSchema(expr, fullSeriesSchema(), labelValueSchema())).toEqual([]);
  });

  test('every alert has a unit test where it fires and one where it does not', () => {
    const tests = parseYaml(readRepo(RULE_TESTS)) as RuleTestFile;
    expect(tests.rule_files).toEqual(['anything-llm.rules.yml']);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing: string[] = [];
    for (const a of alerts()) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${a.alert}: no firing case`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${a.alert}: no not-firing case`);
    }
    expect(missing).toEqual([]);
  });

  test('the unit-test file is not loaded by Prometheus as a rule file', () => {
    const cfg = parseYaml(readRepo(`${PROM_DIR}/prometheus.yml`)) as { rule_files: string[] };
    const globToRe = (g: string) => new RegExp(`^${g.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
    const matches = (f: string) => cfg.rule_files.some((g) => globToRe(g).test(f));
    expect(matches('rules/anything-llm.rules.yml')).toBe(true);
    expect(matches('rules/anything-llm.rules.test.yml')).toBe(false);
  });

  test('job selectors in the rules name a job both Prometheus configs scrape', () => {
    const jobs = (file: string) =>
      ((parseYaml(readRepo(PROM_DIR, file)) as { scrape_configs: { job_name: string }[] }).scrape_configs ?? []).map((s) => s.job_name);
    const used = new Set<string>();
    for (const a of alerts()) for (const m of a.expr.matchAll(/job="([^"]+)"/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(0);
    for (const j of used) {
      expect(jobs('prometheus.yml')).toContain(j);
      expect(jobs('prometheus-agent.yml')).toContain(j);
    }
  });
});

describe('prometheus configs', () => {
  test('central config: scrapes the bridge and itself, sends alerts to alertmanager', () => {
    const cfg = parseYaml(readRepo(`${PROM_DIR}/prometheus.yml`)) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const targets = (job: string) => cfg.scrape_configs.find((s) => s.job_name === job)?.static_configs.flatMap((s) => s.targets);
    expect(targets('statsd-bridge')).toEqual(['bridge:9102']);
    expect(targets('prometheus')).toEqual(['localhost:9090']);
    expect(cfg.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual(['alertmanager:9093']);
  });

  test('agent config: no rules or alerting, remote-writes to the central store, replica external label', () => {
    const cfg = parseYaml(readRepo(`${PROM_DIR}/prometheus-agent.yml`)) as Record<string, unknown> & {
      global: { external_labels: Record<string, string> };
      remote_write: { url: string }[];
    };
    expect(cfg.rule_files).toBeUndefined();
    expect(cfg.alerting).toBeUndefined();
    expect(cfg.global.external_labels.replica).toBe('${REPLICA}');
    expect(cfg.remote_write.map((r) => r.url)).toEqual(['http://prometheus:9090/api/v1/write']);
  });
});

describe('alertmanager config', () => {
  const am = parseYaml(readRepo('deploy/alertmanager/alertmanager.yml')) as {
    route: { receiver: string; routes?: { receiver: string }[] };
    receivers: { name: string }[];
    inhibit_rules?: { source_matchers: string[]; target_matchers: string[] }[];
  };

  test('every route points at a defined receiver', () => {
    const names = am.receivers.map((r) => r.name);
    expect(names).toContain(am.route.receiver);
    for (const r of am.route.routes ?? []) expect(names).toContain(r.receiver);
  });

  test('inhibit rules name alerts that exist', () => {
    const known = alerts().map((a) => a.alert!);
    for (const rule of am.inhibit_rules ?? []) {
      for (const m of [...rule.source_matchers, ...rule.target_matchers]) {
        const v = /^alertname=~?"(.*)"$/.exec(m);
        if (!v) continue;
        for (const name of v[1].split('|')) expect(known).toContain(name);
      }
    }
  });
});
