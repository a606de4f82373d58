// Translates a Go (RE2) regular expression into an equivalent JavaScript RegExp.
//
// Mapping files are written for Go's regexp package, so the pattern is parsed with Go's
// rules and Go's error texts ("error parsing regexp: missing argument to repetition
// operator: `*`"), and re-emitted in JavaScript syntax with the `u` flag:
// - `(?P<name>re)` / `(?<name>re)` become plain capture groups (same numbering); the names
//   are returned separately, since Go allows names JavaScript does not (e.g. "1x").
// - flags `(?imsU)` and `(?imsU:re)` are applied while translating: `.`, `^`, `$`, case
//   folding and greediness are rewritten, so no JavaScript flag is needed.
// - Perl classes are ASCII as in Go (`\s` is `[\t\n\f\r ]`), POSIX classes `[[:alpha:]]`,
//   Unicode classes `\pL`, `\p{Greek}`, `\x{10FFFF}`, octal escapes and `\Q...\E` are
//   supported; lookarounds and backreferences are rejected, as Go does.
// Matching semantics are leftmost-first in both engines, so match positions and
// submatches agree.

export class GoRegexpError extends Error {
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'GoRegexpError';
  }
}

export interface TranslatedRegexp {
  /** JavaScript source, to be compiled with `flags`. */
  source: string;
  flags: string;
  /** Group names by group number; index 0 (the whole match) and unnamed groups are null. */
  groupNames: (string | null)[];
}

const ERR_MISSING_BRACKET = 'missing closing ]';
const ERR_MISSING_PAREN = 'missing closing )';
const ERR_UNEXPECTED_PAREN = 'unexpected )';
const ERR_INVALID_ESCAPE = 'invalid escape sequence';
const ERR_INVALID_CHAR_RANGE = 'invalid character class range';
const ERR_INVALID_NAMED_CAPTURE = 'invalid named capture';
const ERR_INVALID_PERL_OP = 'invalid or unsupported Perl syntax';
const ERR_INVALID_REPEAT_OP = 'invalid nested repetition operator';
const ERR_INVALID_REPEAT_SIZE = 'invalid repeat count';
const ERR_MISSING_REPEAT_ARGUMENT = 'missing argument to repetition operator';
const ERR_TRAILING_BACKSLASH = 'trailing backslash at end of expression';
const ERR_NESTING_DEPTH = 'expression nests too deeply';

const MAX_RUNE = 0x10ffff;

interface Flags {
  i: boolean; // case folding
  m: boolean; // multi-line ^ $
  s: boolean; // . matches \n
  U: boolean; // ungreedy
}

type Range = [number, number];

interface ClassSet {
  ranges: Range[];
  /** JavaScript property escapes such as \p{L} or \P{Script=Greek}. */
  props: string[];
}

interface Item {
  text: string;
  /** Zero-width assertions need a group before JavaScript accepts a quantifier on them. */
  assertion: boolean;
}

// Perl classes (ASCII), as in Go's perl_groups.go.
const PERL_CLASSES: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

// POSIX classes, as in Go's perl_groups.go.
const POSIX_CLASSES: Record<string, Range[]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn',
  'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk',
  'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

// Code points whose simple case-folding orbit has more than two members (Go's unicode
// tables): k K U+212A, s S U+017F, U+00E5 U+00C5 U+212B, and a few Greek letters.
const EXTRA_FOLDS: Record<number, number[]> = {
  0x4b: [0x6b, 0x212a],
  0x6b: [0x4b, 0x212a],
  0x212a: [0x4b, 0x6b],
  0x53: [0x73, 0x17f],
  0x73: [0x53, 0x17f],
  0x17f: [0x53, 0x73],
  0xc5: [0xe5, 0x212b],
  0xe5: [0xc5, 0x212b],
  0x212b: [0xc5, 0xe5],
};

function complement(ranges: Range[]): Range[] {
  const sorted = normalize(ranges);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.map((r) => [r[0], r[1]] as Range).sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/** The other members of c's simple case-folding orbit. */
function foldsOf(c: number): number[] {
  const extra = EXTRA_FOLDS[c];
  if (extra) return extra;
  const ch = String.fromCodePoint(c);
  const out: number[] = [];
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if (v !== ch && [...v].length === 1) {
      const cp = v.codePointAt(0) as number;
      if (!out.includes(cp)) out.push(cp);
    }
  }
  return out;
}

/** Adds case variants of the ranges (only code points below U+2200 are expanded; enough
 * for Latin, Greek, Cyrillic and the special folds above). */
function foldRanges(ranges: Range[]): Range[] {
  const out = ranges.slice();
  for (const [lo, hi] of ranges) {
    const end = Math.min(hi, 0x21ff);
    for (let c = lo; c <= end; c++) {
      for (const f of foldsOf(c)) out.push([f, f]);
    }
    if (lo <= 0x212b && hi >= 0x212a) {
      for (const c of [0x212a, 0x212b]) if (c >= lo && c <= hi) for (const f of foldsOf(c)) out.push([f, f]);
    }
  }
  return normalize(out);
}

function cp(c: number): string {
  return `\\u{${c.toString(16)}}`;
}

function classBody(set: ClassSet): string {
  let s = '';
  for (const [lo, hi] of normalize(set.ranges)) s += lo === hi ? cp(lo) : `${cp(lo)}-${cp(hi)}`;
  for (const p of set.props) s += p;
  return s;
}

const JS_SYNTAX = new Set(['\\', '^', '$', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function isAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function unhex(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  return -1;
}

function propertyEscape(name: string, negate: boolean): string | null {
  let js: string;
  if (GENERAL_CATEGORIES.has(name)) js = name;
  else if (/^[A-Z][A-Za-z_]*$/.test(name)) js = `Script=${name}`;
  else return null;
  const text = `\\${negate ? 'P' : 'p'}{${js}}`;
  try {
    new RegExp(text, 'u');
  } catch {
    return null;
  }
  return text;
}

class Translator {
  private pos = 0;
  readonly groupNames: (string | null)[] = [null];

  constructor(private readonly src: string) {}

  translate(): string {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const out = this.parseAlternation(flags, 0);
    if (this.pos < this.src.length) {
      // Only a ")" stops the top level early.
      throw new GoRegexpError(ERR_UNEXPECTED_PAREN, this.src);
    }
    return out;
  }

  private peek(): string {
    return this.src[this.pos];
  }

  /** The next code point as a string (1 or 2 UTF-16 units). */
  private nextChar(): string {
    const c = String.fromCodePoint(this.src.codePointAt(this.pos) as number);
    this.pos += c.length;
    return c;
  }

  private parseAlternation(flags: Flags, depth: number): string {
    const branches: string[] = [];
    for (;;) {
      branches.push(this.parseSequence(flags, depth));
      if (this.pos < this.src.length && this.peek() === '|') {
        this.pos++;
        continue;
      }
      return branches.join('|');
    }
  }

  private parseSequence(flags: Flags, depth: number): string {
    const items: Item[] = [];
    // Text of the last repetition operator, to reject stacked ones ("a**").
    let lastRepeat: { start: number } | null = null;
    const src = this.src;
    while (this.pos < src.length) {
      const c = this.peek();
      if (c === '|' || c === ')') break;
      const start = this.pos;
      let repeat: { op: string; lazy: boolean } | null = null;
      switch (c) {
        case '(': {
          const item = this.parseGroup(flags, depth);
          if (item) items.push(item);
          break;
        }
        case '[':
          items.push({ text: this.parseClass(flags), assertion: false });
          break;
        case '.':
          this.pos++;
          items.push({ text: flags.s ? '[^]' : '[^\\n]', assertion: false });
          break;
        case '^':
          this.pos++;
          items.push({ text: flags.m ? '(?<![^\\n])' : '^', assertion: true });
          break;
        case '$':
          this.pos++;
          items.push({ text: flags.m ? '(?![^\\n])' : '$', assertion: true });
          break;
        case '*':
        case '+':
        case '?': {
          this.pos++;
          repeat = { op: c, lazy: false };
          break;
        }
        case '{': {
          const r = this.tryParseRepeat();
          if (r === null) {
            this.pos++;
            items.push(this.literal('{', flags));
          } else {
            repeat = { op: r, lazy: false };
          }
          break;
        }
        case '\\':
          this.parseEscapeItem(flags, items);
          break;
        default:
          items.push(this.literal(this.nextChar(), flags));
      }
      if (repeat) {
        if (this.pos < src.length && this.peek() === '?') {
          this.pos++;
          repeat.lazy = true;
        }
        if (lastRepeat) throw new GoRegexpError(ERR_INVALID_REPEAT_OP, src.slice(lastRepeat.start, this.pos));
        if (items.length === 0) throw new GoRegexpError(ERR_MISSING_REPEAT_ARGUMENT, src.slice(start, this.pos));
        const last = items[items.length - 1];
        const lazy = repeat.lazy !== flags.U;
        const base = last.assertion ? `(?:${last.text})` : last.text;
        items[items.length - 1] = { text: base + repeat.op + (lazy ? '?' : ''), assertion: false };
        lastRepeat = { start };
      } else if (this.pos !== start) {
        lastRepeat = null;
      }
    }
    return items.map((i) => i.text).join('');
  }

  /** Parses {n}, {n,} or {n,m} at pos (Go's parseRepeat); returns the JS quantifier, or null
   * if the "{" is a literal. */
  private tryParseRepeat(): string | null {
    const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(this.src.slice(this.pos));
    if (!m) return null;
    const before = this.pos;
    this.pos += m[0].length;
    // Go's parseInt gives up (-1) on numbers of 1e8 and more.
    const num = (s: string): number => (s.length > 8 ? -1 : Number(s));
    let min = num(m[1]);
    let max: number;
    if (m[2] === undefined) max = min;
    else if (m[3] === undefined) max = -1;
    else {
      max = num(m[3]);
      if (max < 0) min = -1;
    }
    if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max)) {
      throw new GoRegexpError(ERR_INVALID_REPEAT_SIZE, this.src.slice(before, this.pos));
    }
    return m[2] === undefined ? `{${min}}` : max < 0 ? `{${min},}` : `{${min},${max}}`;
  }

  private parseGroup(flags: Flags, depth: number): Item | null {
    const rest = this.src.slice(this.pos);
    if (rest.startsWith('(?')) {
      const named =
        (rest.length > 4 && rest[2] === 'P' && rest[3] === '<') || (rest.length > 3 && rest[2] === '<');
      if (named) {
        const begin = rest[2] === 'P' ? 4 : 3;
        const end = rest.indexOf('>');
        if (end < 0) throw new GoRegexpError(ERR_INVALID_NAMED_CAPTURE, rest);
        const capture = rest.slice(0, end + 1);
        const name = rest.slice(begin, end);
        if (name === '' || !/^[A-Za-z0-9_]+$/.test(name)) {
          throw new GoRegexpError(ERR_INVALID_NAMED_CAPTURE, capture);
        }
        this.pos += end + 1;
        this.groupNames.push(name);
        return { text: `(${this.parseGroupBody({ ...flags }, depth)})`, assertion: false };
      }
      // Flags, possibly starting a non-capturing group.
      let i = 2;
      const next: Flags = { ...flags };
      let sign = 1;
      let sawFlag = false;
      while (i < rest.length) {
        const ch = rest[i++];
        switch (ch) {
          case 'i':
          case 'm':
          case 's':
          case 'U':
            next[ch] = sign > 0;
            sawFlag = true;
            continue;
          case '-':
            if (sign < 0) break;
            sign = -1;
            sawFlag = false;
            continue;
          case ':':
          case ')':
            if (sign < 0 && !sawFlag) break;
            this.pos += i;
            if (ch === ':') {
              return { text: `(?:${this.parseGroupBody(next, depth)})`, assertion: false };
            }
            // (?flags): applies to the rest of the current group.
            Object.assign(flags, next);
            return null;
          default:
            break;
        }
        break;
      }
      throw new GoRegexpError(ERR_INVALID_PERL_OP, rest.slice(0, i));
    }
    this.pos++;
    this.groupNames.push(null);
    return { text: `(${this.parseGroupBody({ ...flags }, depth)})`, assertion: false };
  }

  private parseGroupBody(flags: Flags, depth: number): string {
    // Go's limit (maxHeight); it also keeps this recursive parser off the stack limit.
    if (depth >= 1000) throw new GoRegexpError(ERR_NESTING_DEPTH, this.src);
    const body = this.parseAlternation(flags, depth + 1);
    if (this.pos >= this.src.length || this.peek() !== ')') {
      throw new GoRegexpError(ERR_MISSING_PAREN, this.src);
    }
    this.pos++;
    return body;
  }

  private literal(ch: string, flags: Flags): Item {
    const c = ch.codePointAt(0) as number;
    if (flags.i) {
      const folds = foldsOf(c);
      if (folds.length > 0) {
        return { text: `[${classBody({ ranges: [[c, c], ...folds.map((f) => [f, f] as Range)], props: [] })}]`, assertion: false };
      }
    }
    if (JS_SYNTAX.has(ch)) return { text: '\\' + ch, assertion: false };
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      return { text: cp(c), assertion: false };
    }
    return { text: ch, assertion: false };
  }

  /** A backslash outside a class: assertion, \Q..\E, class escape or single character. */
  private parseEscapeItem(flags: Flags, items: Item[]): void {
    const src = this.src;
    const t = src.slice(this.pos);
    if (t.length >= 2) {
      switch (t[1]) {
        case 'A':
          this.pos += 2;
          items.push({ text: '^', assertion: true });
          return;
        case 'z':
          this.pos += 2;
          items.push({ text: '$', assertion: true });
          return;
        case 'b':
          this.pos += 2;
          // Without the i flag, JavaScript's \b is ASCII, like Go's.
          items.push({ text: '\\b', assertion: true });
          return;
        case 'B':
          this.pos += 2;
          items.push({ text: '\\B', assertion: true });
          return;
        case 'C':
          throw new GoRegexpError(ERR_INVALID_ESCAPE, t.slice(0, 2));
        case 'Q': {
          let lit = t.slice(2);
          const end = lit.indexOf('\\E');
          if (end >= 0) {
            lit = lit.slice(0, end);
            this.pos += 2 + lit.length + 2;
          } else this.pos += t.length;
          for (const ch of lit) items.push(this.literal(ch, flags));
          return;
        }
        default:
          break;
      }
    }
    const set: ClassSet = { ranges: [], props: [] };
    if (this.parseClassEscape(set, flags)) {
      items.push({ text: `[${classBody(set)}]`, assertion: false });
      return;
    }
    const c = this.parseEscape();
    items.push(this.literal(String.fromCodePoint(c), flags));
  }

  /**
   * \d \s \w (and negations) or \pX \p{Name} (and negations) at pos, added to `set`.
   * Returns false (consuming nothing) if the escape is something else.
   */
  private parseClassEscape(set: ClassSet, flags: Flags): boolean {
    const src = this.src;
    const t = src.slice(this.pos);
    if (t.length < 2) return false;
    const e = t[1];
    const perl = PERL_CLASSES[e.toLowerCase()];
    if (perl && (e === 'd' || e === 's' || e === 'w' || e === 'D' || e === 'S' || e === 'W')) {
      this.pos += 2;
      let ranges = perl;
      if (flags.i) ranges = foldRanges(ranges);
      set.ranges.push(...(e === e.toUpperCase() ? complement(ranges) : ranges));
      return true;
    }
    if (e === 'p' || e === 'P') {
      let negate = e === 'P';
      let name: string;
      let seq: string;
      if (t.length < 3) throw new GoRegexpError(ERR_INVALID_CHAR_RANGE, t);
      if (t[2] === '{') {
        const end = t.indexOf('}');
        if (end < 0) throw new GoRegexpError(ERR_INVALID_CHAR_RANGE, t);
        seq = t.slice(0, end + 1);
        name = t.slice(3, end);
      } else {
        seq = t.slice(0, 2) + String.fromCodePoint(t.codePointAt(2) as number);
        name = seq.slice(2);
      }
      if (name.startsWith('^')) {
        negate = !negate;
        name = name.slice(1);
      }
      this.pos += seq.length;
      if (name === 'Any') {
        set.ranges.push(...(negate ? [] : ([[0, MAX_RUNE]] as Range[])));
        return true;
      }
      const prop = propertyEscape(name, negate);
      if (prop === null) throw new GoRegexpError(ERR_INVALID_CHAR_RANGE, seq);
      set.props.push(prop);
      return true;
    }
    return false;
  }

  /** A single-character escape at pos (the backslash included); returns the code point. */
  private parseEscape(): number {
    const src = this.src;
    const start = this.pos;
    this.pos++; // backslash
    if (this.pos >= src.length) throw new GoRegexpError(ERR_TRAILING_BACKSLASH, '');
    const c = this.nextChar();
    const fail = (): never => {
      throw new GoRegexpError(ERR_INVALID_ESCAPE, src.slice(start, this.pos));
    };
    switch (c) {
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '0': {
        // A single non-zero digit would be a backreference: not supported.
        if (c !== '0') {
          const n = src[this.pos];
          if (n === undefined || n < '0' || n > '7') return fail();
        }
        let r = c.charCodeAt(0) - 48;
        for (let i = 1; i < 3; i++) {
          const n = src[this.pos];
          if (n === undefined || n < '0' || n > '7') break;
          r = r * 8 + (n.charCodeAt(0) - 48);
          this.pos++;
        }
        return r;
      }
      case 'x': {
        if (this.pos >= src.length) return fail();
        const d = this.nextChar();
        if (d === '{') {
          let nhex = 0;
          let r = 0;
          for (;;) {
            if (this.pos >= src.length) return fail();
            const h = this.nextChar();
            if (h === '}') break;
            const v = unhex(h);
            if (v < 0) return fail();
            r = r * 16 + v;
            if (r > MAX_RUNE) return fail();
            nhex++;
          }
          if (nhex === 0) return fail();
          return r;
        }
        const x = unhex(d);
        if (this.pos >= src.length) return fail();
        const y = unhex(this.nextChar());
        if (x < 0 || y < 0) return fail();
        return x * 16 + y;
      }
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'v':
        return 11;
      default:
        // Escaped punctuation (any ASCII non-alphanumeric) stands for itself.
        if (c.length === 1 && c.charCodeAt(0) < 0x80 && !isAlnum(c)) return c.charCodeAt(0);
        return fail();
    }
  }

  private parseClass(flags: Flags): string {
    const src = this.src;
    const wholeClass = src.slice(this.pos);
    const missing = (): never => {
      throw new GoRegexpError(ERR_MISSING_BRACKET, wholeClass);
    };
    this.pos++; // [
    let negate = false;
    if (this.pos < src.length && src[this.pos] === '^') {
      negate = true;
      this.pos++;
    }
    const set: ClassSet = { ranges: [], props: [] };
    let first = true;
    while (this.pos >= src.length || src[this.pos] !== ']' || first) {
      if (this.pos >= src.length) missing();
      first = false;
      const t = src.slice(this.pos);
      // POSIX [:alnum:]
      if (t.length > 2 && t[0] === '[' && t[1] === ':') {
        const end = t.indexOf(':]', 2);
        if (end >= 0) {
          const full = t.slice(0, end + 2);
          let name = t.slice(2, end);
          let neg = false;
          if (name.startsWith('^')) {
            neg = true;
            name = name.slice(1);
          }
          const ranges = Object.prototype.hasOwnProperty.call(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
          if (!ranges) throw new GoRegexpError(ERR_INVALID_CHAR_RANGE, full);
          const folded = flags.i ? foldRanges(ranges) : ranges;
          set.ranges.push(...(neg ? complement(folded) : folded));
          this.pos += full.length;
          continue;
        }
      }
      if (t[0] === '\\' && this.parseClassEscape(set, flags)) continue;
      const rangeStart = this.pos;
      const lo = this.parseClassChar(missing);
      let hi = lo;
      // [a-] means (a|-), so check for the final ].
      if (src.length - this.pos >= 2 && src[this.pos] === '-' && src[this.pos + 1] !== ']') {
        this.pos++;
        hi = this.parseClassChar(missing);
        if (hi < lo) throw new GoRegexpError(ERR_INVALID_CHAR_RANGE, src.slice(rangeStart, this.pos));
      }
      if (flags.i) set.ranges.push(...foldRanges([[lo, hi]]));
      else set.ranges.push([lo, hi]);
    }
    this.pos++; // ]
    const body = classBody(set);
    if (body === '') return negate ? '[^]' : '[]';
    return `[${negate ? '^' : ''}${body}]`;
  }

  private parseClassChar(missing: () => never): number {
    if (this.pos >= this.src.length) return missing();
    if (this.src[this.pos] === '\\') return this.parseEscape();
    return this.nextChar().codePointAt(0) as number;
  }
}

/** Translates a Go regular expression; throws GoRegexpError with Go's message on bad syntax. */
export function translateGoRegexp(pattern: string): TranslatedRegexp {
  const t = new Translator(pattern);
  const source = t.translate();
  try {
    new RegExp(source, 'u');
  } catch (e) {
    throw new GoRegexpError('invalid or unsupported syntax', (e as Error).message);
  }
  return { source, flags: 'u', groupNames: t.groupNames };
}

/** Compiles a Go regular expression into a JavaScript RegExp (unanchored, leftmost-first). */
export function compileGoRegexp(pattern: string): { regexp: RegExp; groupNames: (string | null)[] } {
  const t = translateGoRegexp(pattern);
  return { regexp: new RegExp(t.source, t.flags), groupNames: t.groupNames };
}
