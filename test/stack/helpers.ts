// Shared helpers for the deployment-stack tests (test/stack): finding and running the external
// tools (promtool, docker-compose), the metric schema, a small PromQL scanner, a Dockerfile
// reader and a .dockerignore matcher. Nothing here needs a Docker engine.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const repoPath = (...p: string[]): string => path.join(REPO, ...p);
export const readRepo = (...p: string[]): string => fs.readFileSync(repoPath(...p), 'utf8');

// ---------------------------------------------------------------- external tools

const TOOL_PACKAGES: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  'docker-compose': 'docker-compose',
};

/** Absolute path of `name` on PATH; throws (never skips) when it is missing. */
export function requireTool(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  const pkg = TOOL_PACKAGES[name] ?? name;
  throw new Error(
    `${name} was not found on PATH. The stack tests need it: \`bash .ci/run\` installs it ` +
      `(Debian package "${pkg}": sudo apt-get install ${pkg}).`,
  );
}

export interface RunResult {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`could not run ${cmd}: ${r.error.message}`);
  return { command: [cmd, ...args].join(' '), status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Throws with the command's whole output unless it exited 0. */
export function expectSuccess(r: RunResult): RunResult {
  if (r.status !== 0) {
    throw new Error(`\`${r.command}\` exited with ${r.status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  return r;
}

// ---------------------------------------------------------------- metric schema

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
export interface MetricFamily {
  name: string;
  type: MetricType;
  labels: string[];
  source: string;
}

/** Labels Prometheus attaches at scrape time (plus `replica`, set by this stack's configs). */
export const TARGET_LABELS = ['job', 'instance', 'replica'];

/** The anything-llm schema from the brief; used only when docs/metrics.md does not exist. */
export const FALLBACK_APP_SCHEMA: MetricFamily[] = [
  { name: 'anythingllm_http_request_duration_seconds', type: 'histogram', labels: ['route', 'method', 'status_class'], source: 'brief' },
  { name: 'anythingllm_llm_request_duration_seconds', type: 'histogram', labels: ['provider', 'model', 'operation', 'outcome'], source: 'brief' },
  { name: 'anythingllm_llm_tokens_total', type: 'counter', labels: ['provider', 'model', 'kind'], source: 'brief' },
  { name: 'anythingllm_embedding_request_duration_seconds', type: 'histogram', labels: ['provider', 'operation', 'outcome'], source: 'brief' },
  { name: 'anythingllm_vector_operation_duration_seconds', type: 'histogram', labels: ['vector_db', 'operation', 'outcome'], source: 'brief' },
  { name: 'anythingllm_document_processing_total', type: 'counter', labels: ['outcome', 'reason'], source: 'brief' },
  { name: 'anythingllm_instrumentation_hook_active', type: 'gauge', labels: ['hook'], source: 'brief' },
];

/** The bridge's statsd_exporter-compatible self-metrics (fixed list), plus Prometheus' `up`. */
export const BRIDGE_SCHEMA: MetricFamily[] = [
  { name: 'statsd_exporter_lines_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_samples_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_sample_errors_total', type: 'counter', labels: ['reason'], source: 'bridge' },
  { name: 'statsd_exporter_tag_errors_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_udp_packets_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_udp_packet_drops_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_tcp_too_long_lines_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_events_total', type: 'counter', labels: ['type'], source: 'bridge' },
  { name: 'statsd_exporter_events_unmapped_total', type: 'counter', labels: [], source: 'bridge' },
  { name: 'statsd_exporter_events_conflict_total', type: 'counter', labels: ['type', 'metric_name'], source: 'bridge' },
  { name: 'statsd_exporter_events_error_total', type: 'counter', labels: ['reason'], source: 'bridge' },
  { name: 'statsd_exporter_config_reloads_total', type: 'counter', labels: ['outcome'], source: 'bridge' },
  { name: 'statsd_exporter_loaded_mappings', type: 'gauge', labels: [], source: 'bridge' },
  { name: 'statsd_bridge_series_dropped_total', type: 'counter', labels: ['reason'], source: 'bridge' },
  { name: 'up', type: 'gauge', labels: [], source: 'prometheus' },
];

export const METRICS_DOC = repoPath('docs', 'metrics.md');

/** Rows of the machine-readable table between `<!-- metrics-table:begin/end -->` in docs/metrics.md. */
export function parseMetricsDoc(text: string): MetricFamily[] {
  const m = /<!--\s*metrics-table:begin\s*-->([\s\S]*?)<!--\s*metrics-table:end\s*-->/.exec(text);
  if (!m) throw new Error('docs/metrics.md has no <!-- metrics-table:begin --> ... <!-- metrics-table:end --> block');
  const rows = m[1].split('\n').map((l) => l.trim()).filter((l) => l.startsWith('|'));
  const cells = (l: string) => l.replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const header = cells(rows[0]).map((h) => h.toLowerCase());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`docs/metrics.md metrics table has no "${name}" column (header: ${header.join(', ')})`);
    return i;
  };
  const [iName, iType, iLabels] = [col('metric'), col('type'), col('labels')];
  const out: MetricFamily[] = [];
  for (const row of rows.slice(1)) {
    const c = cells(row);
    if (c.every((x) => /^:?-+:?$/.test(x))) continue; // the |---| separator
    const unquote = (s: string) => s.replace(/`/g, '').trim();
    const name = unquote(c[iName]);
    const type = unquote(c[iType]).toLowerCase() as MetricType;
    const labels = unquote(c[iLabels]) === '-' || unquote(c[iLabels]) === '' ? [] : c[iLabels].split(',').map(unquote).filter(Boolean);
    out.push({ name, type, labels, source: 'docs/metrics.md' });
  }
  return out;
}

/**
 * Enumerated label values from docs/metrics.md's `<!-- label-values -->` table: metric family ->
 * label -> allowed values. Labels documented with a value class (`<route>`, ...) are left out.
 */
export function parseLabelValuesDoc(text: string): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  const m = /<!--\s*label-values:begin\s*-->([\s\S]*?)<!--\s*label-values:end\s*-->/.exec(text);
  if (!m) return out;
  for (const line of m[1].split('\n').map((l) => l.trim())) {
    const c = line.replace(/^\||\|$/g, '').split('|').map((x) => x.trim());
    if (c.length < 3 || !c[0].startsWith('`')) continue;
    const values = [...c[2].matchAll(/`([^`]+)`/g)].map((v) => v[1]);
    if (values.length === 0 || values.some((v) => v.startsWith('<'))) continue;
    const metric = c[0].replace(/`/g, '');
    const label = c[1].replace(/`/g, '');
    if (!out.has(metric)) out.set(metric, new Map());
    out.get(metric)!.set(label, new Set(values));
  }
  return out;
}

/** Label values the bridge itself produces (from src/telemetry and src/registry). */
export const BRIDGE_LABEL_VALUES: [string, string, string[]][] = [
  ['statsd_bridge_series_dropped_total', 'reason', ['max_series', 'max_series_per_metric']],
  ['statsd_exporter_config_reloads_total', 'outcome', ['success', 'failure']],
  ['statsd_exporter_events_error_total', 'reason', ['empty_metric_name', 'illegal_negative_counter', 'non_finite_summary_value']],
];

export function labelValueSchema(): Map<string, Map<string, Set<string>>> {
  const out = fs.existsSync(METRICS_DOC) ? parseLabelValuesDoc(fs.readFileSync(METRICS_DOC, 'utf8')) : new Map<string, Map<string, Set<string>>>();
  for (const [metric, label, values] of BRIDGE_LABEL_VALUES) {
    if (!out.has(metric)) out.set(metric, new Map());
    out.get(metric)!.set(label, new Set(values));
  }
  return out;
}

/** The anything-llm part of the schema: docs/metrics.md when present, else the brief's list. */
export function appSchema(): { families: MetricFamily[]; from: string } {
  if (fs.existsSync(METRICS_DOC)) return { families: parseMetricsDoc(fs.readFileSync(METRICS_DOC, 'utf8')), from: 'docs/metrics.md' };
  return { families: FALLBACK_APP_SCHEMA, from: 'built-in list (docs/metrics.md missing)' };
}

/** Every queryable series name -> the labels it may carry (histograms expand to _bucket/_count/_sum). */
export function seriesSchema(families: MetricFamily[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of families) {
    const base = [...f.labels, ...TARGET_LABELS];
    if (f.type === 'histogram') {
      out.set(`${f.name}_bucket`, new Set([...base, 'le']));
      out.set(`${f.name}_count`, new Set(base));
      out.set(`${f.name}_sum`, new Set(base));
    } else if (f.type === 'summary') {
      out.set(f.name, new Set([...base, 'quantile']));
      out.set(`${f.name}_count`, new Set(base));
      out.set(`${f.name}_sum`, new Set(base));
    } else {
      out.set(f.name, new Set(base));
    }
  }
  return out;
}

export function fullSeriesSchema(): Map<string, Set<string>> {
  return seriesSchema([...appSchema().families, ...BRIDGE_SCHEMA]);
}

// ---------------------------------------------------------------- PromQL scanner
// Not a parser (promtool does the parsing): it finds the metric names, the label names used in
// selectors, and the label names in by/without/on/ignoring/group_left/group_right lists.

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct';
  text: string;
}

function tokenize(expr: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i];
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '#') { while (i < expr.length && expr[i] !== '\n') i++; continue; }
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      let s = '';
      while (j < expr.length && expr[j] !== ch) {
        if (expr[j] === '\\' && ch !== '`') { s += expr[j + 1]; j += 2; continue; }
        s += expr[j++];
      }
      toks.push({ kind: 'string', text: s });
      i = j + 1;
      continue;
    }
    const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (id) { toks.push({ kind: 'ident', text: id[0] }); i += id[0].length; continue; }
    const num = /^(?:[0-9][0-9a-zA-Z_.]*|\.[0-9][0-9a-zA-Z_.]*)/.exec(expr.slice(i));
    if (num) { toks.push({ kind: 'number', text: num[0] }); i += num[0].length; continue; }
    toks.push({ kind: 'punct', text: ch });
    i++;
  }
  return toks;
}

const AGGREGATORS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'Inf', 'NaN', 'start', 'end']);

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}
export interface Selector {
  metric: string | null;
  labels: string[];
  matchers: Matcher[];
}
export interface PromqlScan {
  selectors: Selector[];
  groupingLabels: string[];
  createdLabels: string[];
}

export function scanPromql(expr: string): PromqlScan {
  const t = tokenize(expr);
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  const createdLabels: string[] = [];
  // label_replace(v, "dst", ...) / label_join(v, "dst", ...): track the argument index.
  const calls: { fn: string; depth: number; arg: number }[] = [];
  let depth = 0;
  const braceLabels = (start: number): { labels: string[]; matchers: Matcher[]; end: number } => {
    const labels: string[] = [];
    const matchers: Matcher[] = [];
    let j = start + 1;
    while (j < t.length && t[j].text !== '}') {
      if (t[j].kind === 'ident') {
        labels.push(t[j].text);
        let k = j + 1;
        let op = '';
        while (k < t.length && t[k].kind === 'punct' && /[=!~]/.test(t[k].text)) op += t[k++].text;
        if (t[k]?.kind === 'string' && ['=', '!=', '=~', '!~'].includes(op)) {
          matchers.push({ label: t[j].text, op: op as Matcher['op'], value: t[k].text });
          j = k;
        }
      }
      j++;
    }
    return { labels, matchers, end: j };
  };
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    const next = t[i + 1];
    if (tok.kind === 'punct') {
      if (tok.text === '(') depth++;
      else if (tok.text === ')') {
        depth--;
        while (calls.length && calls[calls.length - 1].depth > depth) calls.pop();
      } else if (tok.text === ',') {
        const c = calls[calls.length - 1];
        if (c && c.depth === depth) c.arg++;
      } else if (tok.text === '{') {
        const { labels, matchers, end } = braceLabels(i);
        selectors.push({ metric: null, labels, matchers });
        i = end;
      } else if (tok.text === '[') {
        while (i < t.length && t[i].text !== ']') i++;
      }
      continue;
    }
    if (tok.kind === 'string') {
      const c = calls[calls.length - 1];
      if (c && c.depth === depth && c.arg === 1) createdLabels.push(tok.text);
      continue;
    }
    if (tok.kind !== 'ident') continue;
    const word = tok.text;
    if (GROUPING.has(word)) {
      if (next && next.text === '(') {
        let j = i + 2;
        while (j < t.length && t[j].text !== ')') {
          if (t[j].kind === 'ident') groupingLabels.push(t[j].text);
          j++;
        }
        i = j;
      }
      continue;
    }
    if (KEYWORDS.has(word)) continue;
    if (AGGREGATORS.has(word) && next && (next.text === '(' || GROUPING.has(next.text))) continue;
    if (next && next.text === '(') {
      calls.push({ fn: word, depth: depth + 1, arg: 0 });
      if (word !== 'label_replace' && word !== 'label_join') calls[calls.length - 1].arg = -1;
      continue;
    }
    // A metric name, with or without a {...} selector.
    if (next && next.text === '{') {
      const { labels, matchers, end } = braceLabels(i + 1);
      selectors.push({ metric: word, labels, matchers });
      i = end;
    } else {
      selectors.push({ metric: word, labels: [], matchers: [] });
    }
  }
  return { selectors, groupingLabels, createdLabels };
}

/** Problems with the metric and label names of `expr` against `schema` (empty = fine). */
export function checkAgainstSchema(
  expr: string,
  schema: Map<string, Set<string>>,
  values: Map<string, Map<string, Set<string>>> = new Map(),
): string[] {
  const scan = scanPromql(expr);
  const problems: string[] = [];
  const known = new Set<string>([...scan.createdLabels, '__name__']);
  for (const s of scan.selectors) {
    if (s.metric === null) {
      problems.push('a selector without a metric name ({...})');
      continue;
    }
    const labels = schema.get(s.metric);
    if (!labels) {
      problems.push(`unknown metric ${s.metric}`);
      continue;
    }
    labels.forEach((l) => known.add(l));
    for (const l of s.labels) if (l !== '__name__' && !labels.has(l)) problems.push(`${s.metric} has no label "${l}"`);
    // exact matchers against documented values (histogram series share their family's values)
    const family = values.get(s.metric) ?? values.get(s.metric.replace(/_(bucket|count|sum)$/, ''));
    for (const mt of s.matchers) {
      const allowed = family?.get(mt.label);
      if (allowed && (mt.op === '=' || mt.op === '!=') && !allowed.has(mt.value)) {
        problems.push(`${s.metric}: ${mt.label}${mt.op}"${mt.value}" is not a documented value (${[...allowed].join(', ')})`);
      }
    }
  }
  for (const l of scan.groupingLabels) if (!known.has(l)) problems.push(`grouping label "${l}" is on none of the metrics used`);
  return problems;
}

// ---------------------------------------------------------------- Grafana variables

const BUILTIN_DURATIONS: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
  __interval_ms: '60000',
};

/**
 * Replaces Grafana variables so promtool can parse the expression: built-in intervals become
 * durations, dashboard variables (all used in regex matchers here) become `.*`. Unknown
 * variables are reported, not replaced.
 */
export function substituteGrafanaVars(expr: string, vars: Set<string>): { expr: string; unknown: string[] } {
  const unknown: string[] = [];
  const sub = (name: string, whole: string): string => {
    if (name in BUILTIN_DURATIONS) return BUILTIN_DURATIONS[name];
    if (vars.has(name)) return '.*';
    unknown.push(name);
    return whole;
  };
  const out = expr
    .replace(/\$\{(\w+)(?::[^}]*)?\}/g, (w, n: string) => sub(n, w))
    .replace(/\[\[(\w+)(?::[^\]]*)?\]\]/g, (w, n: string) => sub(n, w))
    .replace(/\$(\w+)/g, (w, n: string) => sub(n, w));
  return { expr: out, unknown };
}

// ---------------------------------------------------------------- Dockerfile reader

export interface Instruction {
  cmd: string;
  args: string;
  line: number;
  stage: number;
}
export interface Stage {
  index: number;
  from: string;
  /** FROM image with global ARG defaults substituted. */
  image: string;
  name: string | null;
  instructions: Instruction[];
}
export interface Dockerfile {
  globalArgs: Map<string, string>;
  stages: Stage[];
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  let buf = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (buf === '' && /^\s*(#|$)/.test(raw)) continue; // comments (and parser directives), blanks
    if (buf !== '' && /^\s*#/.test(raw)) continue; // comment lines inside a continuation
    if (buf === '') startLine = i + 1;
    const cont = /\\\s*$/.test(raw);
    buf += (buf ? ' ' : '') + (cont ? raw.replace(/\\\s*$/, '') : raw).trim();
    if (!cont) {
      const m = /^(\S+)\s*([\s\S]*)$/.exec(buf)!;
      instructions.push({ cmd: m[1].toUpperCase(), args: m[2].trim(), line: startLine, stage: -1 });
      buf = '';
    }
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.cmd === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const image = m[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (w, a?: string, b?: string) => globalArgs.get((a ?? b)!) ?? w);
      stages.push({ index: stages.length, from: m[1], image, name: m[2] ?? null, instructions: [] });
    } else if (stages.length === 0 && ins.cmd === 'ARG') {
      const [k, v] = ins.args.split('=');
      globalArgs.set(k.trim(), (v ?? '').trim().replace(/^"|"$/g, ''));
    }
    ins.stage = stages.length - 1;
    if (stages.length) stages[stages.length - 1].instructions.push(ins);
  }
  return { globalArgs, stages, instructions };
}

/** JSON exec form (`["a","b"]`) of an instruction's arguments, or null for shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v = JSON.parse(args) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  } catch {
    return null;
  }
}

/** `KEY=value KEY2="value 2"` (ENV/LABEL syntax) to a map. */
export function parseKeyValues(args: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(args))) out.set(m[1], m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

// ---------------------------------------------------------------- .dockerignore

interface IgnorePattern {
  negate: boolean;
  re: RegExp;
  text: string;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      re += end > i ? glob.slice(i, end + 1) : '\\[';
      if (end > i) i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The Docker builder's .dockerignore semantics: last matching pattern wins, `!` re-includes,
 *  a pattern matching a parent directory matches everything below it. */
export function dockerignore(text: string): (relPath: string) => boolean {
  const patterns: IgnorePattern[] = [];
  for (let line of text.split('\n')) {
    line = line.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    let p = negate ? line.slice(1).trim() : line;
    p = path.posix.normalize(p).replace(/^\/+/, '').replace(/\/+$/, '');
    patterns.push({ negate, re: globToRegExp(p), text: line });
  }
  return (relPath: string) => {
    const parts = relPath.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const p of patterns) if (prefixes.some((pre) => p.re.test(pre))) excluded = !p.negate;
    return excluded;
  };
}

/** Files below `dir` (repo-relative), skipping node_modules and .git. */
export function walkFiles(rel: string): string[] {
  const abs = repoPath(rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [rel];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const child = path.posix.join(rel, e.name);
    if (e.isDirectory()) out.push(...walkFiles(child));
    else out.push(child);
  }
  return out;
}
