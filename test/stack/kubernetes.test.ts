// deploy/kubernetes/, validated without a cluster: every document against the API schemas
// (scripts/check-kubernetes.mjs, kubernetes-models), then the facts a schema cannot see:
// the bridge's flags parse and are compose.yaml's, the ConfigMap is mapping/anything-llm.yml,
// selectors, named ports and references resolve, and the NetworkPolicies admit what they say.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseArgs } from '../../src/cli/flags';
import { expectSuccess, readRepo, repoPath, requireTool, run } from './helpers';

const DIR = 'deploy/kubernetes';
const FILES = fs
  .readdirSync(repoPath(DIR))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(DIR, f));

// Only the fields the checks below read.
interface Port {
  name?: string;
  containerPort?: number;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: Port[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }[];
}
type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values: string[] }[];
}
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  spec?: {
    selector?: Selector & Labels;
    template?: { metadata: { labels: Labels }; spec: PodSpec };
    ports?: Port[];
    podSelector?: Selector;
    ingress?: { from?: { podSelector?: Selector; namespaceSelector?: Selector }[]; ports?: Port[] }[];
    endpoints?: { port: string; path: string }[];
  };
  data?: Record<string, string>;
}

function loadDocs(): { file: string; doc: Doc }[] {
  const out: { file: string; doc: Doc }[] = [];
  for (const file of FILES) {
    for (const d of parseAllDocuments(readRepo(file))) {
      const doc = d.toJS() as Doc | null;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}

function matches(selector: Selector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'In' && !e.values.includes(labels[e.key])) return false;
    if (e.operator !== 'In') throw new Error(`operator ${e.operator} not handled by this test`);
  }
  return true;
}

const bridgeContainers = (docs: Doc[]) =>
  docs
    .filter((d) => d.kind === 'Deployment')
    .flatMap((d) => d.spec!.template!.spec.containers.filter((c) => c.name === 'statsd-bridge').map((c) => ({ deployment: d, container: c })));

describe('deploy/kubernetes', () => {
  const all = loadDocs();
  const docs = all.map((x) => x.doc);
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

  test('every document passes the API schema (and the checker catches a broken one)', () => {
    expectSuccess(run(process.execPath, [repoPath('scripts/check-kubernetes.mjs'), ...FILES.map((f) => repoPath(f))]));
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-')), 'broken.yaml');
    fs.writeFileSync(broken, readRepo(DIR, 'bridge.yaml').replace('containerPort: 9102', 'containerPort: "nine"').replace('protocol: UDP', 'protocol: SCTP2'));
    const r = run(process.execPath, [repoPath('scripts/check-kubernetes.mjs'), broken]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/containerPort must be integer/);
  });

  test('ships the bridge as a Deployment with its Service, as a sidecar, a ConfigMap, a ServiceMonitor and NetworkPolicies', () => {
    expect(byKind('Deployment').map((d) => d.metadata.name).sort()).toEqual(['anything-llm', 'statsd-bridge']);
    expect(byKind('Service').map((d) => d.metadata.name).sort()).toEqual(['anything-llm', 'statsd-bridge']);
    expect(byKind('ConfigMap').map((d) => d.metadata.name)).toEqual(['statsd-bridge-mapping']);
    expect(byKind('ServiceMonitor')).toHaveLength(1);
    expect(byKind('NetworkPolicy').length).toBeGreaterThanOrEqual(1);
    expect(bridgeContainers(docs)).toHaveLength(2);
  });

  test('the ConfigMap is mapping/anything-llm.yml, byte for byte', () => {
    const cm = byKind('ConfigMap')[0];
    expect(cm.data!['anything-llm.yml']).toBe(readRepo('mapping', 'anything-llm.yml'));
    expectSuccess(run(process.execPath, [repoPath('scripts/kubernetes-configmap.js'), '--check']));
  });

  test("the bridge's flags parse, are compose.yaml's, and auto-reload sees the ConfigMap", () => {
    const compose = parseYaml(readRepo('compose.yaml')) as { 'x-bridge': { command: string[] } };
    const composeArgs = compose['x-bridge'].command;
    for (const { deployment, container } of bridgeContainers(docs)) {
      const args = container.args ?? [];
      const parsed = parseArgs(args);
      expect(parsed.kind).toBe('run');
      // compose.yaml's flags, all of them; the sidecar only narrows the StatsD listeners to loopback.
      for (const a of composeArgs) expect(args).toContain(a);
      for (const a of args.filter((x) => !composeArgs.includes(x))) expect(a).toMatch(/^--statsd\.listen-(udp|tcp)=127\.0\.0\.1:9125$/);
      expect(args.some((a) => /^--statsd\.mapping-config\.auto-reload-interval=[1-9]/.test(a))).toBe(true);

      // The mapping file is in a ConfigMap volume mounted as a directory (subPath mounts never update).
      const mappingFile = args.find((a) => a.startsWith('--statsd.mapping-config='))!.split('=')[1];
      const mount = container.volumeMounts!.find((m) => mappingFile.startsWith(m.mountPath + '/'))!;
      expect(mount.subPath).toBeUndefined();
      const volume = deployment.spec!.template!.spec.volumes!.find((v) => v.name === mount.name)!;
      const cm = byKind('ConfigMap').find((c) => c.metadata.name === volume.configMap?.name)!;
      expect(Object.keys(cm.data!)).toContain(path.basename(mappingFile));
      // Probes hit the bridge's real endpoints on a declared port.
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        expect(['/-/ready', '/-/healthy']).toContain(probe!.httpGet!.path);
        expect(container.ports!.map((p) => p.name)).toContain(probe!.httpGet!.port);
      }
    }
  });

  test('the sidecar app sends StatsD to the bridge over loopback and keeps its .env', () => {
    const app = byKind('Deployment').find((d) => d.metadata.name === 'anything-llm')!;
    const c = app.spec!.template!.spec.containers.find((x) => x.name === 'anything-llm')!;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env.STATSD_HOST).toBe('127.0.0.1');
    expect(env.STATSD_PORT).toBe('9125');
    expect(env.NODE_OPTIONS).toBe('--require /opt/statsd-bridge/dist/emitter/register.js');
    expect(c.volumeMounts!.map((m) => m.mountPath)).toEqual(expect.arrayContaining(['/app/server/storage', '/app/server/.env']));
    const claim = app.spec!.template!.spec.volumes!.find((v) => v.persistentVolumeClaim)!.persistentVolumeClaim!.claimName;
    expect(byKind('PersistentVolumeClaim').map((p) => p.metadata.name)).toContain(claim);
  });

  test('Services select their pods and target declared ports; the ServiceMonitor finds every bridge', () => {
    const deployments = byKind('Deployment');
    for (const svc of byKind('Service')) {
      const pods = deployments.filter((d) => matches({ matchLabels: svc.spec!.selector as Labels }, d.spec!.template!.metadata.labels));
      expect(pods).toHaveLength(1);
      const declared = pods[0].spec!.template!.spec.containers.flatMap((c) => c.ports ?? []);
      for (const p of svc.spec!.ports!) {
        const target = declared.find((d) => d.name === p.targetPort);
        expect(target).toBeDefined();
        expect(target!.protocol).toBe(p.protocol);
      }
      // The selector of a Deployment selects its own template.
    }
    for (const d of deployments) expect(matches(d.spec!.selector!, d.spec!.template!.metadata.labels)).toBe(true);

    const sm = byKind('ServiceMonitor')[0];
    const selected = byKind('Service').filter((s) => matches(sm.spec!.selector!, s.metadata.labels ?? {}));
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(['anything-llm', 'statsd-bridge']);
    for (const s of selected) expect(s.spec!.ports!.map((p) => p.name)).toContain(sm.spec!.endpoints![0].port);
    expect(sm.spec!.endpoints![0].path).toBe('/metrics');
  });

  test('NetworkPolicies: only Prometheus reaches 9102, only the app reaches 9125', () => {
    const deployments = byKind('Deployment');
    const prometheus: Labels = { 'app.kubernetes.io/name': 'prometheus' };
    const app: Labels = { 'app.kubernetes.io/name': 'anything-llm' };
    const stranger: Labels = { 'app.kubernetes.io/name': 'something-else' };
    const monitoringNs: Labels = { 'kubernetes.io/metadata.name': 'monitoring' };
    const appNs: Labels = { 'kubernetes.io/metadata.name': 'default' };
    /** Whether any policy selecting `pod` admits a peer (pod labels, namespace labels) to port/protocol. */
    const admits = (pod: Labels, peer: Labels, peerNs: Labels, port: number, protocol: string) => {
      const policies = byKind('NetworkPolicy').filter((p) => matches(p.spec!.podSelector!, pod));
      expect(policies.length).toBeGreaterThan(0);
      return policies.some((p) =>
        (p.spec!.ingress ?? []).some((rule) => {
          const portOk = (rule.ports ?? []).some((rp) => rp.port === port && (rp.protocol ?? 'TCP') === protocol);
          const peerOk =
            rule.from === undefined ||
            rule.from.some(
              (f) =>
                (f.podSelector === undefined || matches(f.podSelector, peer)) &&
                (f.namespaceSelector === undefined ? peerNs === appNs : matches(f.namespaceSelector, peerNs)),
            );
          return portOk && peerOk;
        }),
      );
    };
    const bridgePod = deployments.find((d) => d.metadata.name === 'statsd-bridge')!.spec!.template!.metadata.labels;
    expect(admits(bridgePod, prometheus, monitoringNs, 9102, 'TCP')).toBe(true);
    expect(admits(bridgePod, stranger, appNs, 9102, 'TCP')).toBe(false);
    expect(admits(bridgePod, app, appNs, 9102, 'TCP')).toBe(false);
    expect(admits(bridgePod, app, appNs, 9125, 'UDP')).toBe(true);
    expect(admits(bridgePod, app, appNs, 9125, 'TCP')).toBe(true);
    expect(admits(bridgePod, stranger, appNs, 9125, 'UDP')).toBe(false);
    expect(admits(bridgePod, prometheus, monitoringNs, 9125, 'UDP')).toBe(false);

    const sidecarPod = deployments.find((d) => d.metadata.name === 'anything-llm')!.spec!.template!.metadata.labels;
    expect(admits(sidecarPod, prometheus, monitoringNs, 9102, 'TCP')).toBe(true);
    expect(admits(sidecarPod, stranger, appNs, 9102, 'TCP')).toBe(false);
    expect(admits(sidecarPod, stranger, appNs, 3001, 'TCP')).toBe(true);
  });

  test('the image names match what the Dockerfiles build and compose.yaml uses', () => {
    requireTool('docker-compose');
    const images = docs
      .filter((d) => d.kind === 'Deployment')
      .flatMap((d) => [...d.spec!.template!.spec.containers, ...(d.spec!.template!.spec.initContainers ?? [])].map((c) => c.image));
    const version = JSON.parse(readRepo('package.json')).version as string;
    for (const image of images) {
      expect([`statsd-bridge:${version}`, expect.stringMatching(/^statsd-bridge\/anything-llm:\d+\.\d+\.\d+$/)]).toContainEqual(image);
    }
  });
});
