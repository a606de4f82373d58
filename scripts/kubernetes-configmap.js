#!/usr/bin/env node
// Writes deploy/kubernetes/mapping-configmap.yaml from mapping/anything-llm.yml, so the
// ConfigMap Kubernetes mounts is the mapping compose mounts. `--check` exits 1 when they differ
// (test/stack/kubernetes.test.ts runs it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'mapping', 'anything-llm.yml');
const target = path.join(root, 'deploy', 'kubernetes', 'mapping-configmap.yaml');

const mapping = fs.readFileSync(source, 'utf8');
const body = mapping
  .split('\n')
  .map((line) => (line.trim() === '' ? '' : `    ${line}`))
  .join('\n');
const out = `# The anything-llm mapping as a ConfigMap: generated from mapping/anything-llm.yml by
# \`node scripts/kubernetes-configmap.js\` (do not edit here; the tests check they agree).
# It is mounted as a directory (no subPath), so the kubelet's \`..data\` symlink swap reaches the
# bridge, and --statsd.mapping-config.auto-reload-interval picks the new content up: no restart.
apiVersion: v1
kind: ConfigMap
metadata:
  name: statsd-bridge-mapping
  labels:
    app.kubernetes.io/name: statsd-bridge
    app.kubernetes.io/part-of: anything-llm-monitoring
data:
  anything-llm.yml: |
${body}`;

if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== out) {
    process.stderr.write(`${path.relative(root, target)} is out of date: run node scripts/kubernetes-configmap.js\n`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(target, out);
}
