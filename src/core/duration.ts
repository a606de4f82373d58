// Go's time.ParseDuration, reproduced exactly (including its error texts), because mapping
// files (`ttl`, `summary_options.max_age`), duration flags and the web config carry Go durations.

const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_INT64 = (1n << 63n) - 1n;
const TWO_63 = 1n << 63n;

/** Thrown with Go's own message, e.g. `time: invalid duration "abc"`. */
export class GoDurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDurationError';
  }
}

/** Go's strconv.Quote, close enough for the characters that appear in durations. */
function quote(s: string): string {
  return JSON.stringify(s);
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * Parses a Go duration string ("1s", "1m30s", "500ms", "1.5h", "-2us", "0") into
 * nanoseconds, with Go's precision (integer nanoseconds, fraction truncated) and range
 * (int64) rules.
 */
export function parseGoDurationNs(orig: string): bigint {
  let s = orig;
  let neg = false;
  const invalid = (): GoDurationError => new GoDurationError('time: invalid duration ' + quote(orig));
  if (s !== '') {
    const c = s[0];
    if (c === '-' || c === '+') {
      neg = c === '-';
      s = s.slice(1);
    }
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    // The next character must be [0-9.]
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Consume [0-9]*
    let i = 0;
    let v = 0n;
    while (i < s.length && isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO_63) throw invalid(); // leadingInt overflow
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Consume (\.[0-9]*)?
    let post = false;
    let f = 0n;
    let scale = 1;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (j < s.length && isDigit(s[j])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (f > MAX_INT64 / 10n || y > TWO_63) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid(); // no digits (e.g. ".s")
    // Consume unit.
    let k = 0;
    while (k < s.length && !(s[k] === '.' || isDigit(s[k]))) k++;
    if (k === 0) throw new GoDurationError('time: missing unit in duration ' + quote(orig));
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNIT_NS.get(u);
    if (unit === undefined) {
      throw new GoDurationError('time: unknown unit ' + quote(u) + ' in duration ' + quote(orig));
    }
    if (v > TWO_63 / unit) throw invalid(); // overflow
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)), truncating toward zero.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) throw invalid();
    }
    d += v;
    if (d > TWO_63) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_INT64) throw invalid();
  return d;
}

/**
 * Parses a Go duration string into milliseconds (fractional below 1ms); null when it is not
 * a valid Go duration (use parseGoDurationNs for Go's error text).
 */
export function parseGoDuration(s: string): number | null {
  try {
    return Number(parseGoDurationNs(s)) / 1e6;
  } catch (e) {
    if (e instanceof GoDurationError) return null;
    throw e;
  }
}
