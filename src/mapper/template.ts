// Name and label templates, precompiled at load time into literal text and capture slots,
// so a lookup only concatenates strings.
//
// Two dialects, as upstream:
// - glob rules (fsm/formatter.go): a reference is whatever `\$\{?([a-zA-Z0-9_$]+)\}?` matches;
//   it is replaced by capture n when the captured text is a number 1..captureCount, and by ""
//   otherwise (so "$1_foo" is the reference "1_foo" and yields ""). `$0` is "" like upstream
//   HEAD, or the whole metric name with `globDollarZero: 'metric'` (statsd_exporter 0.31, #735).
// - regex rules: Go's regexp.Expand ($0 whole match, $n / ${n}, $name / ${name}, $$; "$1x"
//   names the group "1x"; a malformed reference leaves the "$" as text).

/** A literal piece of text, or the index of a capture in the array passed to formatTemplate. */
export type TemplatePart = string | number;

/** Capture slot that stands for the whole metric name. */
export const WHOLE_NAME = -1;

export interface Template {
  readonly parts: readonly TemplatePart[];
  /** The result when the template has no references; null otherwise. */
  readonly constant: string | null;
}

export type GlobDollarZero = 'empty' | 'metric';

function finish(parts: TemplatePart[]): Template {
  // Merge adjacent literals, drop empty ones.
  const out: TemplatePart[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      if (p === '') continue;
      const last = out.length - 1;
      if (last >= 0 && typeof out[last] === 'string') out[last] = (out[last] as string) + p;
      else out.push(p);
    } else out.push(p);
  }
  if (out.length === 0) return { parts: out, constant: '' };
  if (out.length === 1 && typeof out[0] === 'string') return { parts: out, constant: out[0] };
  return { parts: out, constant: null };
}

const GLOB_REFERENCE = /\$\{?([a-zA-Z0-9_$]+)\}?/g;

/**
 * Compiles a glob-rule template. `captureCount` is the number of `*` in the rule; capture n
 * (1-based) is read from index n-1 of the captures array.
 */
export function compileGlobTemplate(
  template: string,
  captureCount: number,
  dollarZero: GlobDollarZero = 'empty',
): Template {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(GLOB_REFERENCE)) {
    const at = m.index ?? 0;
    parts.push(template.slice(last, at));
    last = at + m[0].length;
    const ref = m[1];
    if (!/^[0-9]+$/.test(ref)) continue; // named or malformed reference: ""
    const idx = Number(ref);
    if (idx === 0) {
      if (dollarZero === 'metric') parts.push(WHOLE_NAME);
      continue;
    }
    if (idx <= captureCount) parts.push(idx - 1);
  }
  parts.push(template.slice(last));
  return finish(parts);
}

const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;

/**
 * Compiles a regex-rule template with Go's regexp.Expand rules. `groupNames[i]` is the name of
 * group i (index 0 is the whole match); group i is read from index i of the match array.
 */
export function compileRegexTemplate(template: string, groupNames: readonly (string | null)[]): Template {
  const parts: TemplatePart[] = [];
  let t = template;
  for (;;) {
    const dollar = t.indexOf('$');
    if (dollar < 0) break;
    parts.push(t.slice(0, dollar));
    t = t.slice(dollar + 1);
    if (t !== '' && t[0] === '$') {
      parts.push('$');
      t = t.slice(1);
      continue;
    }
    const ref = extractReference(t);
    if (ref === null) {
      // Malformed: the "$" is kept as text.
      parts.push('$');
      continue;
    }
    t = ref.rest;
    if (ref.num >= 0) {
      if (ref.num < groupNames.length) parts.push(ref.num);
    } else {
      for (let i = 1; i < groupNames.length; i++) {
        if (groupNames[i] === ref.name) {
          parts.push(i);
          break;
        }
      }
    }
  }
  parts.push(t);
  return finish(parts);
}

/** Go's regexp `extract`: a reference after "$" is a name or number, optionally in braces. */
function extractReference(str: string): { name: string; num: number; rest: string } | null {
  if (str === '') return null;
  let s = str;
  let brace = false;
  if (s[0] === '{') {
    brace = true;
    s = s.slice(1);
  }
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return null; // empty name is not okay
  const name = s.slice(0, i);
  if (brace) {
    if (i >= s.length || s[i] !== '}') return null; // missing closing brace
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 48 || c > 57 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 48);
  }
  // Disallow leading zeros.
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: s.slice(i) };
}

/**
 * Renders a template. `captures[i]` is used for part i (undefined counts as ""), and
 * `whole` for WHOLE_NAME.
 */
export function formatTemplate(
  template: Template,
  captures: ArrayLike<string | undefined>,
  whole: string,
): string {
  if (template.constant !== null) return template.constant;
  const parts = template.parts;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (typeof p === 'string') out += p;
    else if (p === WHOLE_NAME) out += whole;
    else out += captures[p] ?? '';
  }
  return out;
}
