// A strict check of the Prometheus text exposition format (version 0.0.4), stricter than
// Prometheus itself where it matters for safety: a sample line the server would reject, a
// label name it reserves, a duplicate series, a sample outside its family. Used by the fuzz
// suites to prove that no input can make /metrics unscrapable.
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

export function checkExposition(text: string): ExpositionCheck {
  const families = new Map<string, FamilyCheck>();
  const seen = new Set<string>();
  const typed = new Set<string>();
  let current: { name: string; family: FamilyCheck } | null = null;
  let samples = 0;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) fail(n + 1, line, 'malformed HELP/TYPE');
        continue;
      }
      const name = m[2];
      if (!METRIC_NAME.test(name)) fail(n + 1, line, 'invalid metric name');
      if (m[1] === 'HELP') {
        if (/\\[^n\\]/.test(m[3] ?? '')) fail(n + 1, line, 'bad escape in HELP');
        continue;
      }
      const type = m[3] ?? '';
      if (!TYPES.has(type)) fail(n + 1, line, `unknown type ${type}`);
      if (typed.has(name)) fail(n + 1, line, `second TYPE for ${name}`);
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
    // The sample must belong to the family announced by the last TYPE.
    if (current === null) fail(n + 1, line, 'sample before any TYPE');
    const { name: fam, family } = current;
    const suffix = name === fam ? '' : name.startsWith(fam + '_') ? name.slice(fam.length) : null;
    const allowed = family.type === 'histogram' ? ['_bucket', '_sum', '_count'] : family.type === 'summary' ? ['', '_sum', '_count'] : [''];
    if (suffix === null || !allowed.includes(suffix)) fail(n + 1, line, `sample ${name} outside its family ${fam} (${family.type})`);
    if (family.type === 'histogram' && suffix === '_bucket' && !labels.some(([k]) => k === 'le')) fail(n + 1, line, 'bucket without le');
    if (family.type === 'summary' && suffix === '' && !labels.some(([k]) => k === 'quantile')) fail(n + 1, line, 'quantile without quantile label');
    const key = name + JSON.stringify([...labels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    if (seen.has(key)) fail(n + 1, line, 'duplicate series');
    seen.add(key);
    const own = family.type === 'histogram' && suffix === '_bucket' ? 'le' : family.type === 'summary' && suffix === '' ? 'quantile' : null;
    family.series.add(JSON.stringify(labels.filter(([k]) => k !== own).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))));
    samples++;
  }
  return { families, samples };
}
