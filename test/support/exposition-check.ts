// A strict check of the Prometheus text exposition format (version 0.0.4), at least as strict as
// Prometheus' own text parser and client_golang's gather checks (what `promtool check metrics`
// and statsd_exporter's HTTP 500 enforce), stricter where it matters for safety:
// - HELP / TYPE: well formed, at most one of each per name, before that family's samples;
// - one family per name: a family's lines are contiguous, and no name comes back later;
// - suffix collisions (client_golang's checkSuffixCollisions): `x_count` / `x_sum` next to a
//   summary `x`, `x_count` / `x_sum` / `x_bucket` next to a histogram `x`, in either order;
// - samples: metric and label name syntax, reserved `__` label names, escapes, duplicate labels,
//   values and timestamps as Prometheus parses them, each sample inside the family announced by
//   the last TYPE, `le` / `quantile` present and numeric, no duplicate series.
// Every scrape the test suite takes goes through it (see checkScrapeReply, used by the helpers
// in test/support), and the fuzz suites use it to prove no input can make /metrics unscrapable.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import zlib from 'node:zlib';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** What Prometheus' strconv.ParseFloat takes (prom-client writes NaN as "Nan"). */
const VALUE = /^(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?inf(?:inity)?|nan)$/i;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export interface FamilyCheck {
  type: string;
  /** Distinct series (label sets without a histogram bucket's `le` / a summary quantile's `quantile`). */
  series: Set<string>;
}

export interface ExpositionCheck {
  families: Map<string, FamilyCheck>;
  samples: number;
}

export class ExpositionError extends Error {}

function fail(lineNo: number, line: string, why: string): never {
  const shown = line.length > 300 ? `${line.slice(0, 300)}...` : line;
  throw new ExpositionError(`exposition line ${lineNo}: ${why}: ${JSON.stringify(shown)}`);
}

/** Parses `{a="x",b="y"}` starting at line[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(line: string, i: number, lineNo: number): { labels: Array<[string, string]>; end: number } {
  const labels: Array<[string, string]> = [];
  i++;
  for (;;) {
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq === -1) fail(lineNo, line, 'label without "="');
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `invalid label name ${JSON.stringify(name)}`);
    if (name.startsWith('__')) fail(lineNo, line, `reserved label name ${name}`);
    if (line[eq + 1] !== '"') fail(lineNo, line, 'label value not quoted');
    let j = eq + 2;
    let value = '';
    for (;;) {
      if (j >= line.length) fail(lineNo, line, 'unterminated label value');
      const c = line[j];
      if (c === '"') break;
      if (c === '\\') {
        const n = line[j + 1];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else fail(lineNo, line, `bad escape \\${n}`);
        j += 2;
        continue;
      }
      if (c === '\n') fail(lineNo, line, 'raw newline in label value');
      value += c;
      j++;
    }
    if (labels.some(([n]) => n === name)) fail(lineNo, line, `duplicate label ${name}`);
    labels.push([name, value]);
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') fail(lineNo, line, 'expected "," or "}" after a label');
  }
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** client_golang's gather-time suffix check over the whole page, order-independent. */
function checkSuffixCollisions(families: Map<string, FamilyCheck>): void {
  for (const [name, f] of families) {
    for (const suffix of ['_count', '_sum', '_bucket']) {
      if (!name.endsWith(suffix)) continue;
      const base = families.get(name.slice(0, -suffix.length));
      if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket'))) {
        throw new ExpositionError(`exposition: family ${name} (${f.type}) collides with ${base.type} ${name.slice(0, -suffix.length)}`);
      }
    }
  }
}

export function checkExposition(text: string): ExpositionCheck {
  const families = new Map<string, FamilyCheck>();
  const seen = new Set<string>();
  /** Names that had a HELP / a TYPE line, and names whose family is over (another one started). */
  const helped = new Set<string>();
  const typed = new Set<string>();
  const closed = new Set<string>();
  /** The name the last HELP/TYPE line was about, and whether samples of it have come. */
  let header = null as { name: string; sampled: boolean } | null;
  let current = null as { name: string; family: FamilyCheck } | null;
  let samples = 0;
  if (text !== '' && !text.endsWith('\n')) throw new ExpositionError('exposition does not end with a newline');
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) {
        if (/^#\s*(HELP|TYPE)/.test(line)) fail(n + 1, line, 'malformed HELP/TYPE');
        continue;
      }
      const name = m[2];
      if (!METRIC_NAME.test(name)) fail(n + 1, line, 'invalid metric name');
      if (closed.has(name)) fail(n + 1, line, `${name} comes back after another family (one family per name)`);
      if (header && header.name !== name) {
        closed.add(header.name);
        if (closed.has(name)) fail(n + 1, line, `${name} comes back after another family (one family per name)`);
      }
      if (header?.name === name && header.sampled) fail(n + 1, line, `${m[1]} for ${name} after its samples`);
      header = { name, sampled: false };
      if (m[1] === 'HELP') {
        if (helped.has(name)) fail(n + 1, line, `second HELP line for ${name}`);
        helped.add(name);
        if (/\\[^n\\]|\\$/.test(m[3] ?? '')) fail(n + 1, line, 'bad escape in HELP');
        continue;
      }
      const type = m[3] ?? '';
      if (!TYPES.has(type)) fail(n + 1, line, `unknown type ${type}`);
      if (typed.has(name)) fail(n + 1, line, `second TYPE line for ${name}`);
      typed.add(name);
      const family: FamilyCheck = { type, series: new Set() };
      families.set(name, family);
      current = { name, family };
      continue;
    }
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
    const name = line.slice(0, i);
    if (!METRIC_NAME.test(name)) fail(n + 1, line, `invalid metric name ${JSON.stringify(name)}`);
    let labels: Array<[string, string]> = [];
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, n + 1));
    if (line[i] !== ' ') fail(n + 1, line, 'expected a space before the value');
    const rest = line.slice(i + 1).split(' ');
    if (rest.length > 2 || !VALUE.test(rest[0])) fail(n + 1, line, `bad value ${JSON.stringify(rest[0])}`);
    if (rest.length === 2 && !/^-?[0-9]+$/.test(rest[1])) fail(n + 1, line, 'bad timestamp');
    // The sample must belong to the family announced by the last TYPE, and that TYPE must be the
    // last header (no HELP of another name in between).
    if (current === null) fail(n + 1, line, 'sample before any TYPE');
    const { name: fam, family } = current;
    if (header === null || header.name !== fam) fail(n + 1, line, `sample ${name} after the HELP of another family`);
    header.sampled = true;
    const suffix = name === fam ? '' : name.startsWith(fam + '_') ? name.slice(fam.length) : null;
    const allowed = family.type === 'histogram' ? ['_bucket', '_sum', '_count'] : family.type === 'summary' ? ['', '_sum', '_count'] : [''];
    if (suffix === null || !allowed.includes(suffix)) fail(n + 1, line, `sample ${name} outside its family ${fam} (${family.type})`);
    const own = family.type === 'histogram' && suffix === '_bucket' ? 'le' : family.type === 'summary' && suffix === '' ? 'quantile' : null;
    if (own !== null) {
      const v = labels.find(([k]) => k === own);
      if (!v) fail(n + 1, line, `${family.type} sample without ${own}`);
      if (!VALUE.test(v[1])) fail(n + 1, line, `${own}="${v[1]}" is not a number`);
    }
    const key = name + JSON.stringify([...labels].sort(byName));
    if (seen.has(key)) fail(n + 1, line, 'duplicate series');
    seen.add(key);
    family.series.add(JSON.stringify(labels.filter(([k]) => k !== own).sort(byName)));
    samples++;
  }
  checkSuffixCollisions(families);
  return { families, samples };
}

/** The exposition content type (text format 0.0.4), as prom-client and client_golang send it. */
export function isExpositionContentType(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && contentType.startsWith('text/plain') && contentType.includes('version=0.0.4');
}

/**
 * The hook every scrape helper calls on an HTTP reply: a 200 in the exposition content type
 * (gzipped or not) must be a valid page; anything else (landing page, health, errors) is left
 * to the test. Returns the page text (unzipped), or null when the reply is not a page.
 */
export function checkScrapeReply(status: number, headers: Record<string, string | string[] | undefined>, body: Buffer | string): string | null {
  if (status !== 200 || !isExpositionContentType(headers['content-type'])) return null;
  const raw = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const text = headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw).toString('utf8') : typeof body === 'string' ? body : body.toString('utf8');
  checkExposition(text);
  return text;
}

/** Reads a whole HTTP reply; rejects when it is a page (see checkScrapeReply) that is not a valid exposition. */
export function readCheckedReply(res: IncomingMessage): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const raw = Buffer.concat(chunks);
      try {
        checkScrapeReply(res.statusCode ?? 0, res.headers, raw);
      } catch (err) {
        reject(err);
        return;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString() });
    });
  });
}
