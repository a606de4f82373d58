// The dependency direction of src/, written down once and checked on every import statement
// (type-only imports included: they couple modules too). A module is a top-level folder of
// src/ (listener/, ingest/, ...) or a top-level file without its extension (config, pipeline).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Data flows packet -> lines -> events -> mapped events -> series -> exposition. Imports follow
// the calls: a stage imports the stage it pushes into (listener -> ingest -> exporter ->
// registry) and the types of what it receives (line/events, mapper/types), never a stage that
// calls it. core/ (clock, logger, names, Go durations and YAML, addresses) is below everything.
// Only the composition roots see the daemon's whole config: cli -> bridge -> pipeline -> config.
const STAGES = ['core', 'line', 'telemetry', 'mapper', 'registry', 'exporter', 'ingest', 'listener', 'relay', 'http'];

/** module -> the other modules it may import. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  types: [], // ambient declarations for untyped packages
  version: [],
  line: ['core'],
  telemetry: ['core', 'line'],
  mapper: ['core', 'line'],
  registry: ['core', 'line', 'mapper'],
  exporter: ['core', 'line', 'mapper', 'registry', 'telemetry'],
  ingest: ['core', 'line', 'mapper', 'registry', 'exporter', 'telemetry'],
  listener: ['core', 'telemetry', 'ingest'],
  relay: ['core'],
  http: ['core', 'telemetry', 'registry', 'version'],
  config: ['core'],
  pipeline: [...STAGES, 'config'],
  bridge: [...STAGES, 'config', 'pipeline', 'version'],
  cli: [...STAGES, 'config', 'pipeline', 'bridge', 'version'],
  // The emitter is loaded into the app's process: it never imports the daemon.
  emitter: [],
};

const SRC = path.resolve(__dirname, '..', 'src');

function moduleOf(relative: string): string {
  return relative.split(/[\\/]/)[0].replace(/\.(d\.)?ts$/, '');
}

/** Every import of `file` (relative to src/) that the table forbids, as "from -> to (specifier)". */
export function violations(file: string, source: string, table = ALLOWED): string[] {
  const from = moduleOf(file);
  const allowed = table[from];
  if (!allowed) return [`${file}: module "${from}" is not in the dependency table`];
  const found: string[] = [];
  for (const { fileName: spec } of ts.preProcessFile(source, true, true).importedFiles) {
    if (!spec.startsWith('.')) continue; // packages and node: builtins
    const target = path.relative(SRC, path.resolve(SRC, path.dirname(file), spec));
    if (target.startsWith('..') || path.isAbsolute(target)) {
      found.push(`${file}: '${spec}' reaches outside src/`);
      continue;
    }
    const to = moduleOf(target);
    if (to !== from && !allowed.includes(to)) found.push(`${file}: ${from} -> ${to} ('${spec}')`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [path.relative(SRC, full)] : [];
  });
}

describe('architecture: imports follow the one-way flow', () => {
  const files = sourceFiles(SRC);

  test('src/ has the stage folders and the table names only modules that exist', () => {
    const present = new Set(files.map(moduleOf));
    expect([...present].filter((m) => !(m in ALLOWED))).toEqual([]);
    expect(Object.keys(ALLOWED).filter((m) => !present.has(m))).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });

  test('the table itself allows no cycle', () => {
    const cycles: string[] = [];
    const walk = (m: string, trail: string[]): void => {
      if (trail.includes(m)) {
        cycles.push([...trail.slice(trail.indexOf(m)), m].join(' -> '));
        return;
      }
      for (const next of ALLOWED[m] ?? []) walk(next, [...trail, m]);
    };
    for (const m of Object.keys(ALLOWED)) walk(m, []);
    expect(cycles).toEqual([]);
  });

  test('every import in src/ is allowed by the table', () => {
    const found = files.flatMap((f) => violations(f, fs.readFileSync(path.join(SRC, f), 'utf8')));
    expect(found).toEqual([]);
  });

  test('the check catches an upward, a sideways and an emitter import', () => {
    expect(violations('line/parser.ts', "import { escapeMetricName } from '../mapper/escape';")).toEqual([
      "line/parser.ts: line -> mapper ('../mapper/escape')",
    ]);
    expect(violations('pipeline.ts', "import type { BridgeConfig } from './cli/flags';")).toEqual([
      "pipeline.ts: pipeline -> cli ('./cli/flags')",
    ]);
    expect(violations('relay/relay.ts', "import { parseHostPort } from '../listener/address';")).toHaveLength(1);
    expect(violations('exporter/exporter.ts', "type Q = import('../ingest/event-queue').EventQueue;")).toHaveLength(1);
    expect(violations('emitter/core.ts', "const v = require('../version');")).toEqual([
      "emitter/core.ts: emitter -> version ('../version')",
    ]);
    expect(violations('emitter/core.ts', "import x from '../../package.json';")).toEqual([
      "emitter/core.ts: '../../package.json' reaches outside src/",
    ]);
    expect(violations('ingest/ingest.ts', "import { Exporter } from '../exporter/exporter';\nimport './series-cache';")).toEqual([]);
  });
});
