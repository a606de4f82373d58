// A strict-enough parser of the Prometheus text exposition format for tests: families with
// HELP/TYPE, samples with labels (escapes handled) and values (Go and JS float spellings).
// Every page parsed here is first checked to be a valid exposition (./exposition-check.ts).
import { checkExposition } from './exposition-check';
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help?: string;
  type?: string;
  samples: Sample[];
}

export class Exposition {
  constructor(
    readonly families: Map<string, Family>,
    readonly samples: Sample[],
  ) {}

  /** The sample with exactly these labels, or undefined. */
  find(name: string, labels: Record<string, string> = {}): Sample | undefined {
    return this.samples.find((s) => s.name === name && sameLabels(s.labels, labels));
  }

  /** The value of the sample with exactly these labels; throws if absent. */
  value(name: string, labels: Record<string, string> = {}): number {
    const s = this.find(name, labels);
    if (!s) throw new Error(`no sample ${name}${JSON.stringify(labels)}; have:\n${this.samples.filter((x) => x.name.startsWith(name)).map(fmt).join('\n')}`);
    return s.value;
  }

  /** The value, or 0 when the series does not exist (for counters that start absent). */
  valueOr0(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels)?.value ?? 0;
  }

  all(name: string): Sample[] {
    return this.samples.filter((s) => s.name === name);
  }
}

function fmt(s: Sample): string {
  return `${s.name}${JSON.stringify(s.labels)} ${s.value}`;
}

export function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
}

export function parseValue(text: string): number {
  const t = text.toLowerCase();
  if (t === 'nan') return NaN;
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  const v = Number(text);
  if (Number.isNaN(v)) throw new Error(`bad sample value "${text}"`);
  return v;
}

export function parseExposition(body: string): Exposition {
  checkExposition(body);
  const families = new Map<string, Family>();
  const samples: Sample[] = [];
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
      if (m) {
        if (m[1] === 'HELP') family(m[2]).help = m[3];
        else family(m[2]).type = m[3];
      }
      continue;
    }
    const sample = parseSampleLine(line);
    samples.push(sample);
    const base = [...families.keys()].reverse().find((n) => sample.name === n || (sample.name.startsWith(n + '_') && /^(bucket|sum|count|total|created)$/.test(sample.name.slice(n.length + 1))));
    family(base ?? sample.name).samples.push(sample);
  }
  return new Exposition(families, samples);
}

function parseSampleLine(line: string): Sample {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      const key = line.slice(i, eq).trim();
      if (line[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
      let j = eq + 2;
      let val = '';
      while (line[j] !== '"') {
        if (line[j] === '\\') {
          const c = line[j + 1];
          val += c === 'n' ? '\n' : c;
          j += 2;
        } else val += line[j++];
        if (j >= line.length) throw new Error(`unterminated label value in: ${line}`);
      }
      labels[key] = val;
      i = j + 1;
      if (line[i] === ',') i++;
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  return { name, labels, value: parseValue(rest[0]) };
}
