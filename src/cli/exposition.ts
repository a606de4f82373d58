// Just enough of the Prometheus text format for the mapping workbench: parse what the series
// registry renders (families with HELP/TYPE, samples with labels and values), parse series
// selectors written in test files (`name{a="b"}`), and print samples back in one canonical
// form (labels sorted) for diffs.
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The family the sample was rendered under (the last `# TYPE` line), and its type. */
  family: string;
  type: string;
}

export function parseExpositionText(text: string): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  let family = '';
  let type = 'untyped';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) {
        family = m[1];
        type = m[2];
      }
      continue;
    }
    const { name, labels, rest } = parseSeries(line);
    const valueText = rest.trim().split(/\s+/)[0] ?? '';
    const value = parseSampleValue(valueText);
    if (value === undefined) throw new Error(`bad sample value in exposition line: ${line}`);
    out.push({ name, labels, value, family: family || name, type: family ? type : 'untyped' });
  }
  return out;
}

/** A number as written in the exposition or a test file: Go/JS floats, NaN, +Inf, -Inf. */
export function parseSampleValue(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === '') return undefined;
  const v = Number(text);
  return Number.isNaN(v) ? undefined : v;
}

/**
 * Parses `name`, `name{}` or `name{k="v",...}` at the start of `text` and returns the rest.
 * Label values use the exposition escapes (\\, \", \n). Throws on malformed input.
 */
export function parseSeries(text: string): { name: string; labels: Record<string, string>; rest: string } {
  let i = 0;
  while (i < text.length && text[i] !== '{' && text[i] !== ' ' && text[i] !== '\t') i++;
  const name = text.slice(0, i);
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name "${name}" in "${text}"`);
  const labels: Record<string, string> = {};
  if (text[i] === '{') {
    i++;
    for (;;) {
      while (text[i] === ' ') i++;
      if (text[i] === '}') {
        i++;
        break;
      }
      const eq = text.indexOf('=', i);
      if (eq === -1) throw new Error(`bad labels in "${text}"`);
      const key = text.slice(i, eq).trim();
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`bad label name "${key}" in "${text}"`);
      let j = eq + 1;
      while (text[j] === ' ') j++;
      if (text[j] !== '"') throw new Error(`label value of "${key}" must be quoted in "${text}"`);
      j++;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new Error(`unterminated label value in "${text}"`);
        const c = text[j];
        if (c === '"') break;
        if (c === '\\') {
          const n = text[j + 1];
          value += n === 'n' ? '\n' : n;
          j += 2;
        } else {
          value += c;
          j++;
        }
      }
      Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
      i = j + 1;
      while (text[i] === ' ') i++;
      if (text[i] === ',') i++;
      else if (text[i] !== '}') throw new Error(`expected "," or "}" after label "${key}" in "${text}"`);
    }
  }
  return { name, labels, rest: text.slice(i) };
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name{a="1",b="2"}` with the labels sorted: one spelling per series. */
export function formatSeries(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}="${escapeLabelValue(labels[k])}"`).join(',')}}`;
}

/** A value as the exposition writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
