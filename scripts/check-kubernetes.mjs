#!/usr/bin/env node
// Validates Kubernetes manifests without a cluster: each YAML document against the API's JSON
// schema (kubernetes-models; the Prometheus Operator's CRDs for ServiceMonitor). Catches wrong
// types, missing required fields and values outside an enum; not unknown fields (the schemas
// allow them), which test/stack/kubernetes.test.ts covers by cross-checking what matters.
// Usage: node scripts/check-kubernetes.mjs FILE...   (exit 1 and one line per problem)
import fs from 'node:fs';
import YAML from 'yaml';

const MODELS = {
  'v1/ConfigMap': () => import('kubernetes-models/v1/ConfigMap').then((m) => m.ConfigMap),
  'v1/Service': () => import('kubernetes-models/v1/Service').then((m) => m.Service),
  'v1/PersistentVolumeClaim': () => import('kubernetes-models/v1/PersistentVolumeClaim').then((m) => m.PersistentVolumeClaim),
  'apps/v1/Deployment': () => import('kubernetes-models/apps/v1/Deployment').then((m) => m.Deployment),
  'networking.k8s.io/v1/NetworkPolicy': () => import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').then((m) => m.NetworkPolicy),
  'monitoring.coreos.com/v1/ServiceMonitor': () =>
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor').then((m) => m.ServiceMonitor),
};

let problems = 0;
for (const file of process.argv.slice(2)) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  for (const [i, doc] of docs.entries()) {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      console.log(`${where}: YAML: ${doc.errors[0].message}`);
      problems++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const type = `${obj.apiVersion}/${obj.kind}`;
    const load = MODELS[type];
    if (!load) {
      console.log(`${where}: no schema known for ${type}`);
      problems++;
      continue;
    }
    const Model = await load();
    try {
      new Model(obj).validate();
    } catch (err) {
      console.log(`${where} (${type} ${obj.metadata?.name}): ${err.message.split('\n')[0]}`);
      problems++;
    }
  }
}
process.exit(problems > 0 ? 1 : 0);
