// `statsd-bridge mapping test FILE...`: unit tests for mapping files, in the spirit of
// `promtool test rules`. A test file names the mapping file(s) under test, optional daemon flags
// and test cases; each case sends StatsD lines through the real pipeline in-process (LineParser
// -> MetricMapper -> Exporter -> SeriesRegistry -> exposition text, no sockets) and compares the
// parsed exposition with the expected series. See docs/mapping.md for the format.
//
// Exit codes: 0 when every test passed, 1 when one failed (or a test or mapping file is
// invalid), 2 on a usage error.
import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { createLogger } from '../core/logger';
import { formatSeries, formatValue, parseExpositionText, parseSampleValue, parseSeries, type ExpositionSample } from './exposition';
import type { MappingCommandIo } from './mapping-explain';
import { UsageError, Workbench, loadWorkbenchMapping, parseWorkbenchArgs, type LineTrace } from './workbench';

export const TEST_USAGE = `usage: statsd-bridge mapping test [<daemon flags>] FILE...

Runs mapping unit tests. Each FILE is YAML:

  mapping_files: [../my-mapping.yml]    # relative to the test file; applied in order
  flags: [--statsd.enable-sets]         # optional daemon flags (tag dialects, sets)
  tests:
    - name: requests are counted by service
      lines:                            # StatsD lines, sent in order
        - app.checkout.requests:3|c
      expect:                           # samples that must be on /metrics, with their value
        - series: 'app_requests_total{service="checkout"}'
          value: 3
          type: counter                 # optional: the family's TYPE
      absent:                           # optional: series that must not exist
        - app_checkout_requests

Exit status: 0 when all tests pass, 1 when any fails or a file is invalid, 2 on a usage error.
`;

/** Relative tolerance on sample values (promtool's). */
const EPSILON = 1e-6;

interface Expectation {
  name: string;
  labels: Record<string, string>;
  value?: number;
  type?: string;
}

interface TestCase {
  name: string;
  lines: string[];
  expect: Expectation[];
  absent: { name: string; labels: Record<string, string> }[];
}

interface TestFile {
  mappingFiles: string[];
  flags: string[];
  tests: TestCase[];
}

class TestFileError extends Error {}

export async function runMappingTest(argv: readonly string[], io: MappingCommandIo): Promise<number> {
  let args;
  try {
    args = parseWorkbenchArgs(argv);
    if (args.config.mappingConfig.length > 0) {
      throw new UsageError('--statsd.mapping-config is not used by mapping test: name the files in the test file (mapping_files)');
    }
    if (!args.help && args.positionals.length === 0) throw new UsageError('no test file given, try --help');
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`statsd-bridge mapping test: error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    io.stdout(TEST_USAGE);
    return 0;
  }
  const logger = createLogger({ level: args.config.logLevel, format: args.config.logFormat, write: (l) => io.stderr(l + '\n') });

  let passed = 0;
  let failed = 0;
  for (const file of args.positionals) {
    io.stdout(`${file}\n`);
    let spec: TestFile;
    let bench: () => Workbench;
    try {
      spec = readTestFile(file);
      let config;
      try {
        config = parseWorkbenchArgs([...args.daemonArgv, ...spec.flags]).config;
      } catch (err) {
        throw new TestFileError(`flags: ${(err as Error).message}`);
      }
      if (config.mappingConfig.length > 0) throw new TestFileError('flags: use mapping_files rather than --statsd.mapping-config');
      const mapping = loadWorkbenchMapping(spec.mappingFiles, logger);
      bench = () => new Workbench({ config, mapping, logger });
    } catch (err) {
      failed++;
      io.stdout(`  FAIL  ${err instanceof TestFileError ? `${file}: ${err.message}` : (err as Error).message}\n`);
      continue;
    }
    for (const tc of spec.tests) {
      const result = await runCase(bench(), tc);
      if (result.diff.length === 0) {
        passed++;
        io.stdout(`  PASS  ${tc.name}\n`);
        continue;
      }
      failed++;
      io.stdout(`  FAIL  ${tc.name}\n`);
      for (const d of result.diff) io.stdout(`        ${d}\n`);
      io.stdout(`        lines:\n`);
      for (const n of result.notes) io.stdout(`          ${n}\n`);
    }
  }
  io.stdout(`\n${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Running a case

async function runCase(bench: Workbench, tc: TestCase): Promise<{ diff: string[]; notes: string[] }> {
  const traces = tc.lines.map((l) => bench.processLine(l));
  const samples = parseExpositionText(await bench.exposition());
  return { diff: compare(tc, samples), notes: traces.flatMap(describeTrace) };
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= EPSILON * Math.max(Math.abs(a), Math.abs(b));
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/** The labels that identify a series, without the per-bucket / per-quantile label. */
function seriesLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels)) if (k !== 'le' && k !== 'quantile') out[k] = labels[k];
  return out;
}

/**
 * Diff lines, `-` expected and `+` got: missing samples, wrong values, wrong TYPEs, other
 * series of an expected metric (a label set, `le` / `quantile` aside, that no expectation
 * names: checking some buckets or the `_count` of a histogram series is enough), and series
 * that should be absent.
 */
function compare(tc: TestCase, samples: ExpositionSample[]): string[] {
  const entries: { key: string; text: string }[] = [];
  const add = (sign: '-' | '+', key: string, text: string) => entries.push({ key, text: `${sign}${text}` });
  for (const exp of tc.expect) {
    const series = formatSeries(exp.name, exp.labels);
    const got = samples.find((s) => s.name === exp.name && sameLabels(s.labels, exp.labels));
    const want = exp.value === undefined ? '' : ` ${formatValue(exp.value)}`;
    if (!got) {
      add('-', series, `${series}${want}`);
      continue;
    }
    if (exp.value !== undefined && !close(got.value, exp.value)) {
      add('-', series, `${series}${want}`);
      add('+', series, `${series} ${formatValue(got.value)}`);
    }
    if (exp.type !== undefined && got.type !== exp.type) {
      add('-', series, `# TYPE ${got.family} ${exp.type}`);
      add('+', series, `# TYPE ${got.family} ${got.type}`);
    }
  }
  // Series (label sets, `le` / `quantile` aside) of an expected metric that nothing expected:
  // one line per series, its `_count` sample for histograms and summaries.
  const belongs = (e: Expectation, family: string) =>
    e.name === family || e.name === `${family}_bucket` || e.name === `${family}_sum` || e.name === `${family}_count`;
  const reported = new Set<string>();
  for (const s of samples) {
    const related = tc.expect.filter((e) => e.name === s.name || belongs(e, s.family));
    if (related.length === 0) continue;
    const id = seriesLabels(s.labels);
    if (related.some((e) => sameLabels(seriesLabels(e.labels), id))) continue;
    const seriesKey = formatSeries(s.family, id);
    if (reported.has(seriesKey)) continue;
    reported.add(seriesKey);
    const shown = samples.find((x) => x.family === s.family && x.name === `${s.family}_count` && sameLabels(x.labels, id)) ?? s;
    const series = formatSeries(shown.name, shown.labels);
    add('+', series, `${series} ${formatValue(shown.value)}   (unexpected series)`);
  }
  for (const a of tc.absent) {
    const seen = new Set<string>();
    for (const s of samples) {
      if (s.name !== a.name && s.family !== a.name) continue;
      if (!Object.keys(a.labels).every((k) => Object.hasOwn(s.labels, k) && s.labels[k] === a.labels[k])) continue;
      const id = seriesLabels(s.labels);
      const seriesKey = formatSeries(s.family, id);
      if (seen.has(seriesKey)) continue;
      seen.add(seriesKey);
      const shown = s.name === a.name ? s : samples.find((x) => x.family === s.family && x.name === `${s.family}_count` && sameLabels(x.labels, id)) ?? s;
      const series = formatSeries(shown.name, shown.labels);
      add('+', series, `${series} ${formatValue(shown.value)}   (expected absent: ${formatSeries(a.name, a.labels)})`);
    }
  }
  // By series; a series' own lines keep their order (-expected then +got). The sort is stable.
  entries.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return entries.map((e) => e.text);
}

/** One line per event (or parse error) of a line, for the context of a failure. */
function describeTrace(trace: LineTrace): string[] {
  const out: string[] = [];
  const at = JSON.stringify(trace.line);
  for (const p of trace.parseErrors) out.push(`${at}: parse error ${p.reason}: ${p.detail}`);
  for (const t of trace.tagErrors) out.push(`${at}: tag ignored: ${t}`);
  for (const t of trace.events) {
    const m = t.match?.result.mapping;
    const rule = m ? `${m.source} mappings[${m.index}] (${JSON.stringify(m.match)})` : 'no rule';
    if (t.outcome === 'dropped') out.push(`${at}: ${rule}: dropped`);
    else if (t.outcome === 'rejected') out.push(`${at}: ${rule}: not exported: ${t.reason}`);
    else out.push(`${at}: ${rule} -> ${t.series!.type} ${formatSeries(t.series!.name, t.series!.labels)}`);
  }
  if (out.length === 0) out.push(`${at}: no events`);
  return out;
}

// ---------------------------------------------------------------------------------------
// Reading a test file

function readTestFile(file: string): TestFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TestFileError((err as Error).message);
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) throw new TestFileError(`invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (!isMap(doc.contents)) throw new TestFileError('expected a mapping with mapping_files and tests');
  const root = doc.toJS() as Record<string, unknown>;
  const where = (p: string, msg: string) => new TestFileError(`${p}: ${msg}`);
  onlyKeys(root, ['mapping_files', 'flags', 'tests'], '');

  const mf = root.mapping_files;
  const mappingNames = typeof mf === 'string' ? [mf] : mf;
  if (!Array.isArray(mappingNames) || mappingNames.length === 0 || !mappingNames.every((x) => typeof x === 'string')) {
    throw where('mapping_files', 'a mapping file name or a list of them is required');
  }
  const dir = path.dirname(file);
  const mappingFiles = (mappingNames as string[]).map((m) => (path.isAbsolute(m) ? m : path.join(dir, m)));

  const flags = root.flags ?? [];
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string' && f.startsWith('--'))) {
    throw where('flags', 'a list of daemon flags such as --statsd.parse-dogstatsd-tags=false');
  }

  if (!Array.isArray(root.tests) || root.tests.length === 0) throw where('tests', 'a non-empty list of test cases is required');
  const tests = root.tests.map((raw, i) => readCase(raw, `tests[${i}]`));
  return { mappingFiles, flags: flags as string[], tests };
}

function onlyKeys(obj: Record<string, unknown>, keys: string[], at: string): void {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) throw new TestFileError(`${at ? `${at}: ` : ''}unknown key "${k}" (known: ${keys.join(', ')})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readCase(raw: unknown, at: string): TestCase {
  if (!isObject(raw)) throw new TestFileError(`${at}: a test case is a mapping (name, lines, expect, absent)`);
  onlyKeys(raw, ['name', 'lines', 'expect', 'absent'], at);
  const name = raw.name === undefined ? at : String(raw.name);
  let lines: string[];
  if (typeof raw.lines === 'string') lines = raw.lines.split('\n').filter((l) => l !== '');
  else if (Array.isArray(raw.lines) && raw.lines.every((l) => typeof l === 'string')) lines = raw.lines as string[];
  else throw new TestFileError(`${at}.lines: a list of StatsD lines (or a block of them) is required`);

  const expectRaw = raw.expect ?? [];
  const absentRaw = raw.absent ?? [];
  if (!Array.isArray(expectRaw)) throw new TestFileError(`${at}.expect: a list is required`);
  if (!Array.isArray(absentRaw)) throw new TestFileError(`${at}.absent: a list of series is required`);
  if (expectRaw.length === 0 && absentRaw.length === 0) throw new TestFileError(`${at}: expect or absent is required`);
  const expect = expectRaw.map((e, j) => readExpectation(e, `${at}.expect[${j}]`));
  const absent = absentRaw.map((a, j) => {
    if (typeof a !== 'string') throw new TestFileError(`${at}.absent[${j}]: a series such as 'name' or 'name{label="value"}'`);
    return selector(a, `${at}.absent[${j}]`);
  });
  return { name, lines, expect, absent };
}

function selector(text: string, at: string): { name: string; labels: Record<string, string> } {
  try {
    const { name, labels, rest } = parseSeries(text.trim());
    if (rest.trim() !== '') throw new Error(`unexpected "${rest.trim()}"`);
    return { name, labels };
  } catch (err) {
    throw new TestFileError(`${at}: ${(err as Error).message}`);
  }
}

const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function readExpectation(raw: unknown, at: string): Expectation {
  if (!isObject(raw)) throw new TestFileError(`${at}: an expectation is a mapping (series, value, type)`);
  onlyKeys(raw, ['series', 'name', 'labels', 'value', 'type'], at);
  let exp: Expectation;
  if (raw.series !== undefined) {
    if (raw.name !== undefined || raw.labels !== undefined) throw new TestFileError(`${at}: use either series or name/labels`);
    if (typeof raw.series !== 'string') throw new TestFileError(`${at}.series: a series such as 'name{label="value"}'`);
    exp = selector(raw.series, `${at}.series`);
  } else if (typeof raw.name === 'string') {
    const labels: Record<string, string> = {};
    if (raw.labels !== undefined) {
      if (!isObject(raw.labels)) throw new TestFileError(`${at}.labels: a map of label names to values`);
      for (const [k, v] of Object.entries(raw.labels)) labels[k] = String(v);
    }
    exp = { name: raw.name, labels };
  } else {
    throw new TestFileError(`${at}: series (or name) is required`);
  }
  if (raw.value !== undefined) {
    const v = typeof raw.value === 'number' ? raw.value : typeof raw.value === 'string' ? parseSampleValue(raw.value) : undefined;
    if (v === undefined) throw new TestFileError(`${at}.value: a number (or "NaN", "+Inf", "-Inf")`);
    exp.value = v;
  }
  if (raw.type !== undefined) {
    if (typeof raw.type !== 'string' || !TYPES.includes(raw.type)) throw new TestFileError(`${at}.type: one of ${TYPES.join(', ')}`);
    exp.type = raw.type;
  }
  return exp;
}
