// compose.yaml, validated by docker-compose itself (`config` needs no Docker engine) and then
// checked fact by fact on its normalized output, with and without the "scale" profile.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expectSuccess, parseDockerfile, parseKeyValues, readRepo, REPO, repoPath, requireTool, run } from './helpers';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string };
  profiles?: string[];
  network_mode?: string;
  depends_on?: Record<string, unknown>;
  init?: boolean;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// Variables that would change the normalized output are removed, so the defaults are checked.
function composeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['ANYTHINGLLM_VERSION', 'PROMETHEUS_VERSION', 'ALERTMANAGER_VERSION', 'GRAFANA_VERSION', 'GRAFANA_ADMIN_PASSWORD', 'COMPOSE_PROFILES', 'COMPOSE_FILE']) delete env[k];
  return env;
}

function composeConfig(extra: string[] = []): Compose {
  const dc = requireTool('docker-compose');
  const r = expectSuccess(run(dc, ['-f', 'compose.yaml', ...extra, 'config'], { env: composeEnv() }));
  return parseYaml(r.stdout) as Compose;
}

/** `host/path:container:mode` volume strings -> {source, target, mode} (sources made repo-relative). */
function mounts(s: Service): { source: string; target: string; mode: string }[] {
  return (s.volumes ?? []).map((v) => {
    const [source, target, mode = 'rw'] = v.split(':');
    const rel = path.isAbsolute(source) ? path.relative(REPO, source) : source;
    return { source: rel, target, mode };
  });
}

describe('docker-compose config', () => {
  let base: Compose;
  let scale: Compose;
  beforeAll(() => {
    base = composeConfig();
    scale = composeConfig(['--profile', 'scale']);
  });

  test('is valid without and with --profile scale', () => {
    for (const name of ['anything-llm', 'bridge', 'prometheus', 'alertmanager', 'grafana']) {
      expect(base.services[name]).toBeDefined();
      expect(base.services[name].profiles).toBeUndefined();
    }
    for (const name of ['anything-llm-a', 'bridge-a', 'prometheus-agent-a', 'anything-llm-b', 'bridge-b', 'prometheus-agent-b']) {
      expect(scale.services[name]).toBeDefined();
      expect(scale.services[name].profiles).toEqual(['scale']);
    }
  });

  test('no default service depends on a scale-profile service', () => {
    const bad: string[] = [];
    for (const [name, s] of Object.entries(base.services)) {
      if (s.profiles) continue;
      for (const dep of Object.keys(s.depends_on ?? {})) if (base.services[dep]?.profiles) bad.push(`${name} -> ${dep}`);
    }
    expect(bad).toEqual([]);
  });

  test('every published port is bound to 127.0.0.1', () => {
    const open: string[] = [];
    for (const [name, s] of Object.entries(scale.services)) for (const p of s.ports ?? []) if (!p.startsWith('127.0.0.1:')) open.push(`${name} ${p}`);
    expect(open).toEqual([]);
  });

  test('bridge: built from ./Dockerfile, StatsD udp+tcp 9125 and web 9102, mapping mounted from ./mapping', () => {
    const b = base.services.bridge;
    expect(b.build).toEqual({ context: REPO, dockerfile: 'Dockerfile' });
    expect(b.ports).toEqual(expect.arrayContaining(['127.0.0.1:9102:9102/tcp', '127.0.0.1:9125:9125/udp', '127.0.0.1:9125:9125/tcp']));
    expect(b.command).toContain('--statsd.mapping-config=/etc/statsd-bridge/anything-llm.yml');
    expect(mounts(b)).toContainEqual({ source: 'mapping', target: '/etc/statsd-bridge', mode: 'ro' });
    expect(readRepo('mapping', 'anything-llm.yml')).toMatch(/^mappings:/m);
    expect(b.init).toBe(true);
  });

  test('bridge: healthcheck probes /-/healthy with node, same probe as the image', () => {
    const hc = base.services.bridge.healthcheck!;
    expect(hc.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(hc.test[3]).toContain("'http://127.0.0.1:9102/-/healthy'");
    const image = parseDockerfile(readRepo('Dockerfile')).instructions.find((i) => i.cmd === 'HEALTHCHECK')!;
    const imageProbe = (JSON.parse(image.args.slice(image.args.indexOf('['))) as string[])[2];
    expect(hc.test[3]).toBe(imageProbe.replace('process.env.STATSD_BRIDGE_HEALTHCHECK_URL||', ''));
  });

  test('anything-llm: built from deploy/anything-llm with the emitter preloaded through NODE_OPTIONS', () => {
    const a = base.services['anything-llm'];
    expect(a.build).toMatchObject({ context: REPO, dockerfile: 'deploy/anything-llm/Dockerfile' });
    const env = a.environment!;
    expect(env.NODE_OPTIONS).toMatch(/(^|\s)--require \/opt\/statsd-bridge\/dist\/emitter\/register\.js(\s|$)/);
    expect(env.STATSD_HOST).toBe('bridge');
    expect(env.STATSD_PORT).toBe('9125');
    expect(env.STORAGE_DIR).toBe('/app/server/storage');
    expect(mounts(a)).toContainEqual({ source: 'anything-llm-storage', target: '/app/server/storage', mode: 'rw' });
    expect(a.ports).toEqual(['127.0.0.1:3001:3001/tcp']);
  });

  test('anything-llm: compose and the image agree on NODE_OPTIONS and the pinned version', () => {
    const df = parseDockerfile(readRepo('deploy/anything-llm/Dockerfile'));
    const final = df.stages[df.stages.length - 1];
    const env = new Map<string, string>();
    for (const i of final.instructions.filter((x) => x.cmd === 'ENV')) parseKeyValues(i.args).forEach((v, k) => env.set(k, v));
    expect(base.services['anything-llm'].environment!.NODE_OPTIONS).toBe(env.get('NODE_OPTIONS'));
    expect(base.services['anything-llm'].build!.args!.ANYTHINGLLM_VERSION).toBe(df.globalArgs.get('ANYTHINGLLM_VERSION'));
  });

  test('prometheus: config and rules mounted where prometheus.yml expects them, remote-write receiver on', () => {
    const p = base.services.prometheus;
    expect(p.image).toMatch(/^prom\/prometheus:v2\.\d+\.\d+$/); // v2: the agent uses --enable-feature=agent
    expect(p.command).toEqual(expect.arrayContaining(['--config.file=/etc/prometheus/prometheus.yml', '--web.enable-remote-write-receiver']));
    expect(mounts(p)).toEqual(
      expect.arrayContaining([
        { source: 'deploy/prometheus/prometheus.yml', target: '/etc/prometheus/prometheus.yml', mode: 'ro' },
        { source: 'deploy/prometheus/rules', target: '/etc/prometheus/rules', mode: 'ro' },
      ]),
    );
    // prometheus.yml's rule_files are relative to the config file: /etc/prometheus/rules/...
    const cfg = parseYaml(readRepo('deploy/prometheus/prometheus.yml')) as { rule_files: string[] };
    expect(cfg.rule_files.every((f) => f.startsWith('rules/'))).toBe(true);
  });

  test('the hosts the Prometheus configs talk to are compose services on the right ports', () => {
    const cfg = readRepo('deploy/prometheus/prometheus.yml');
    expect(cfg).toContain("'bridge:9102'");
    expect(cfg).toContain("'alertmanager:9093'");
    expect(base.services.bridge.command!.some((c) => c.startsWith('--web.listen-address'))).toBe(false); // default :9102
    expect(base.services.alertmanager.ports).toEqual(['127.0.0.1:9093:9093/tcp']);
    expect(base.services.prometheus.ports).toEqual(['127.0.0.1:9090:9090/tcp']);
  });

  test('alertmanager: config mounted', () => {
    const am = base.services.alertmanager;
    expect(am.command).toContain('--config.file=/etc/alertmanager/alertmanager.yml');
    expect(mounts(am)).toContainEqual({ source: 'deploy/alertmanager/alertmanager.yml', target: '/etc/alertmanager/alertmanager.yml', mode: 'ro' });
  });

  test('grafana: provisioning and dashboards mounted, anonymous viewer, admin password documented default', () => {
    const g = base.services.grafana;
    expect(g.ports).toEqual(['127.0.0.1:3000:3000/tcp']);
    expect(mounts(g)).toEqual(
      expect.arrayContaining([
        { source: 'deploy/grafana/provisioning/datasources', target: '/etc/grafana/provisioning/datasources', mode: 'ro' },
        { source: 'deploy/grafana/provisioning/dashboards', target: '/etc/grafana/provisioning/dashboards', mode: 'ro' },
        { source: 'deploy/grafana/dashboards', target: '/etc/grafana/dashboards', mode: 'ro' },
      ]),
    );
    expect(g.environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      GF_SECURITY_ADMIN_USER: 'admin',
      GF_SECURITY_ADMIN_PASSWORD: 'admin',
    });
    const home = g.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home).toBe('/etc/grafana/dashboards/anything-llm.json');
    expect(readRepo('deploy/grafana/dashboards', path.basename(home))).toContain('"uid"');
  });

  test('every anything-llm service persists its storage and the .env its UI writes, as upstream mounts them', () => {
    for (const [name, s] of Object.entries(scale.services).filter(([n]) => /^anything-llm(-[ab])?$/.test(n))) {
      const m = mounts(s);
      expect(m.find((x) => x.target === '/app/server/storage')?.source).toMatch(/^anything-llm(-[ab])?-storage$/);
      const env = m.find((x) => x.target === '/app/server/.env');
      expect([name, env?.source]).toEqual([name, `deploy/anything-llm/env/${name === 'anything-llm' ? 'main' : name.slice(-1)}.env`]);
    }
    // The .env files hold API keys: never in git; created by the documented `touch` before the first start.
    expect(readRepo('deploy/anything-llm/env/.gitignore')).toMatch(/^\*\.env$/m);
    expect(readRepo('compose.yaml')).toContain('touch deploy/anything-llm/env/{main,a,b}.env');
    expect(readRepo('README.md')).toContain('touch deploy/anything-llm/env/{main,a,b}.env && docker compose up');
  });

  test('every bind-mounted source exists in the repository (the .env files excepted: see above)', () => {
    const missing: string[] = [];
    for (const [name, s] of Object.entries(scale.services)) {
      for (const m of mounts(s)) {
        if (m.source in (scale.volumes ?? {})) continue; // a named volume
        if (m.target === '/app/server/.env') continue;
        if (!fs.existsSync(repoPath(m.source))) missing.push(`${name}: ${m.source}`);
      }
    }
    expect(missing).toEqual([]);
  });

  describe('scale profile', () => {
    test.each(['a', 'b'])('replica %s: anything-llm, its own bridge and agent share one network namespace', (r) => {
      const app = scale.services[`anything-llm-${r}`];
      const bridge = scale.services[`bridge-${r}`];
      const agent = scale.services[`prometheus-agent-${r}`];
      expect(app.environment!.STATSD_HOST).toBe('127.0.0.1');
      expect(app.environment!.NODE_OPTIONS).toBe(base.services['anything-llm'].environment!.NODE_OPTIONS);
      expect(bridge.network_mode).toBe(`service:anything-llm-${r}`);
      expect(agent.network_mode).toBe(`service:anything-llm-${r}`);
      expect(bridge.command).toEqual(base.services.bridge.command);
      expect(bridge.healthcheck).toEqual(base.services.bridge.healthcheck);
      expect(bridge.ports).toBeUndefined(); // published through anything-llm-<r>, which owns the namespace
      expect(app.ports).toContain(`127.0.0.1:${r === 'a' ? 9112 : 9113}:9102/tcp`);
      expect(mounts(app).map((m) => m.source)).toEqual([`anything-llm-${r}-storage`, `deploy/anything-llm/env/${r}.env`]);
    });

    test.each(['a', 'b'])('replica %s: Prometheus agent mode, remote-writing to the central prometheus', (r) => {
      const agent = scale.services[`prometheus-agent-${r}`];
      expect(agent.image).toBe(base.services.prometheus.image);
      expect(agent.command).toEqual(
        expect.arrayContaining([
          '--enable-feature=agent',
          '--enable-feature=expand-external-labels',
          '--config.file=/etc/prometheus/prometheus-agent.yml',
        ]),
      );
      expect(agent.environment).toEqual({ REPLICA: r });
      expect(mounts(agent)).toContainEqual({ source: 'deploy/prometheus/prometheus-agent.yml', target: '/etc/prometheus/prometheus-agent.yml', mode: 'ro' });
      expect(Object.keys(agent.depends_on ?? {})).toContain('prometheus');
    });

    test('replicas have distinct external labels, host ports and volumes', () => {
      const replicas = ['a', 'b'].map((r) => scale.services[`prometheus-agent-${r}`].environment!.REPLICA);
      expect(new Set([...replicas, 'main']).size).toBe(3); // "main" is the default bridge (prometheus.yml)
      const hostPorts = Object.values(scale.services).flatMap((s) => (s.ports ?? []).map((p) => p.split(':').slice(0, 2).join(':') + '/' + (p.split('/')[1] ?? 'tcp')));
      expect(new Set(hostPorts).size).toBe(hostPorts.length);
    });
  });
});
