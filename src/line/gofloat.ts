// An exact emulation of Go's strconv.ParseFloat(s, 64), which statsd_exporter uses for
// sample values and sample rates. JavaScript's Number() differs from it both ways: it
// accepts "", " 1", "0b1", "0o7" and "Infinity" only in that spelling, and rejects "inf",
// "1_000", "0x1p-2". Go's grammar (strconv/atof.go readFloat, special, underscoreOK):
//
//   [+-]? ( "inf" | "infinity" )          any letter case
//   "nan"                                 any letter case, no sign
//   [+-]? digits-with-dot ( [eE] [+-]? exp-digits )?
//   [+-]? 0[xX] hex-digits-with-dot [pP] [+-]? exp-digits     the 'p' exponent is mandatory
//
// "_" may separate digits (also in decimal: "1_000" is 1000), and may follow the 0x prefix,
// but must sit between digits. Out-of-range values give ±Inf *and* an error (ErrRange);
// underflow silently gives ±0. Go stops accumulating an exponent once it reaches 10000.

/** How Go's ParseFloat ended. */
export type GoFloatError = 'syntax' | 'range';

export interface GoFloatResult {
  /** The float Go returns: 0 for a syntax error, ±Inf for a range error. */
  value: number;
  error: GoFloatError | null;
}

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const UNDERSCORE = 0x5f;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_A = 0x61;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_I = 0x69;
const LOWER_N = 0x6e;
const LOWER_P = 0x70;
const LOWER_X = 0x78;
/** Go's lower(): maps A-Z onto a-z, and no other character onto a letter. */
const CASE_BIT = 0x20;

/** Go accumulates exponent digits only while the exponent is below this. */
const EXPONENT_CAP = 10000;
/** Integers with at most this many digits are exact in a double (< 2^53). */
const EXACT_INT_DIGITS = 15;

// The outcome of the last scan: kept in module state so the hot path allocates nothing.
const OK = 0;
const SYNTAX = 1;
const RANGE = 2;
let lastStatus = OK;

/**
 * Go's `strconv.ParseFloat(s, 64)`: the value, or `undefined` where Go returns an error
 * (a syntax error, or an out-of-range value such as "1e400").
 */
export function parseGoFloat(s: string): number | undefined {
  const value = scanGoFloat(s);
  return lastStatus === OK ? value : undefined;
}

/** Like {@link parseGoFloat}, but also gives the value Go returns alongside an error. */
export function parseGoFloatResult(s: string): GoFloatResult {
  const value = scanGoFloat(s);
  return { value, error: lastStatus === OK ? null : lastStatus === SYNTAX ? 'syntax' : 'range' };
}

function syntaxError(): number {
  lastStatus = SYNTAX;
  return 0;
}

function scanGoFloat(s: string): number {
  lastStatus = OK;
  const len = s.length;
  if (len === 0) return syntaxError();

  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === PLUS || c0 === MINUS) {
    neg = c0 === MINUS;
    i = 1;
  }

  // special(): "inf"/"infinity" (optionally signed) and "nan" (never signed). When one of
  // them starts the string, anything after it makes the whole string a syntax error.
  const first = s.charCodeAt(i) | CASE_BIT;
  if (first === LOWER_I) {
    let n = commonPrefixLenIgnoreCase(s, i, 'infinity');
    if (n > 3 && n < 8) n = 3;
    if ((n === 3 || n === 8) && i + n === len) return neg ? -Infinity : Infinity;
    return syntaxError();
  }
  if (first === LOWER_N && i === 0) {
    if (len === 3 && commonPrefixLenIgnoreCase(s, 0, 'nan') === 3) return NaN;
    return syntaxError();
  }

  // readFloat(): mantissa.
  let hex = false;
  if (i + 2 < len && s.charCodeAt(i) === DIGIT_0 && (s.charCodeAt(i + 1) | CASE_BIT) === LOWER_X) {
    hex = true;
    i += 2;
  }
  const mantissaStart = i;
  let sawDot = false;
  let sawDigits = false;
  let underscores = false;
  // Plain integers of up to 15 digits are summed on the way: the common case.
  let simpleInt = !hex;
  let intValue = 0;
  let intDigits = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      sawDigits = true;
      if (simpleInt) {
        intValue = intValue * 10 + (c - DIGIT_0);
        if (++intDigits > EXACT_INT_DIGITS) simpleInt = false;
      }
      continue;
    }
    if (c === UNDERSCORE) {
      underscores = true;
      simpleInt = false;
      continue;
    }
    if (c === DOT) {
      if (sawDot) break;
      sawDot = true;
      simpleInt = false;
      continue;
    }
    if (hex) {
      const lc = c | CASE_BIT;
      if (lc >= LOWER_A && lc <= LOWER_F) {
        sawDigits = true;
        continue;
      }
    }
    break;
  }
  if (!sawDigits) return syntaxError();
  const mantissaEnd = i;

  // Optional exponent ('e' for decimal, mandatory 'p' for hex).
  let exponent = 0;
  let exponentCapped = false;
  if (i < len && (s.charCodeAt(i) | CASE_BIT) === (hex ? LOWER_P : LOWER_E)) {
    i++;
    if (i >= len) return syntaxError();
    let expNeg = false;
    const sign = s.charCodeAt(i);
    if (sign === PLUS) i++;
    else if (sign === MINUS) {
      expNeg = true;
      i++;
    }
    const d0 = s.charCodeAt(i); // NaN past the end
    if (!(d0 >= DIGIT_0 && d0 <= DIGIT_9)) return syntaxError();
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c === UNDERSCORE) {
        underscores = true;
        continue;
      }
      if (c < DIGIT_0 || c > DIGIT_9) break;
      if (exponent < EXPONENT_CAP) exponent = exponent * 10 + (c - DIGIT_0);
      else exponentCapped = true;
    }
    if (expNeg) exponent = -exponent;
    simpleInt = false;
  } else if (hex) {
    return syntaxError();
  }

  if (underscores && !underscoreOK(s, i)) return syntaxError();
  // ParseFloat: the whole string must have been consumed.
  if (i !== len) return syntaxError();

  if (hex) return hexToFloat(s, mantissaStart, mantissaEnd, exponent, neg);

  let value: number;
  if (simpleInt) {
    value = neg ? -intValue : intValue;
  } else if (!underscores && !exponentCapped) {
    // Validated Go decimal syntax without underscores is also valid for Number(),
    // and both round correctly (IEEE-754 round-half-even).
    value = Number(s);
  } else {
    const mantissa = s.slice(0, mantissaEnd);
    value = Number((underscores ? mantissa.replace(/_/g, '') : mantissa) + 'e' + exponent);
  }
  if (value === Infinity || value === -Infinity) lastStatus = RANGE;
  return value;
}

/** Length of the common prefix of s[from:] and lowerPrefix, ignoring the case of s. */
function commonPrefixLenIgnoreCase(s: string, from: number, lowerPrefix: string): number {
  const n = Math.min(lowerPrefix.length, s.length - from);
  for (let k = 0; k < n; k++) {
    if ((s.charCodeAt(from + k) | CASE_BIT) !== lowerPrefix.charCodeAt(k)) return k;
  }
  return n;
}

/**
 * Go's underscoreOK(s[:end]): "_" must sit between digits, or between a base prefix and a
 * digit. (A "0b"/"0o" prefix is recognised here as in Go, though readFloat never gets one.)
 */
function underscoreOK(s: string, end: number): boolean {
  const UNDERSCORE_LAST = 1;
  const DIGIT_LAST = 2;
  const OTHER_LAST = 3;
  let saw = 0; // start of number
  let i = 0;
  if (end >= 1 && (s.charCodeAt(0) === PLUS || s.charCodeAt(0) === MINUS)) i = 1;
  let hex = false;
  if (end - i >= 2 && s.charCodeAt(i) === DIGIT_0) {
    const p = s.charCodeAt(i + 1) | CASE_BIT;
    if (p === 0x62 /* b */ || p === 0x6f /* o */ || p === LOWER_X) {
      i += 2;
      saw = DIGIT_LAST;
      hex = p === LOWER_X;
    }
  }
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    const lc = c | CASE_BIT;
    if ((c >= DIGIT_0 && c <= DIGIT_9) || (hex && lc >= LOWER_A && lc <= LOWER_F)) {
      saw = DIGIT_LAST;
      continue;
    }
    if (c === UNDERSCORE) {
      if (saw !== DIGIT_LAST) return false;
      saw = UNDERSCORE_LAST;
      continue;
    }
    if (saw === UNDERSCORE_LAST) return false;
    saw = OTHER_LAST;
  }
  return saw !== UNDERSCORE_LAST;
}

const TWO_POW_53 = 2n ** 53n;

/**
 * Value of a validated hex float: mantissa digits s[start:end) (hex digits, one optional
 * '.', underscores), times 2^binaryExponent, rounded half-to-even to a double. Works on the
 * exact mantissa as a BigInt; rare enough that this path need not be fast.
 */
function hexToFloat(s: string, start: number, end: number, binaryExponent: number, neg: boolean): number {
  let digits = '';
  let fractionDigits = 0;
  let afterDot = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === UNDERSCORE) continue;
    if (c === DOT) {
      afterDot = true;
      continue;
    }
    digits += s[i];
    if (afterDot) fractionDigits++;
  }
  const mantissa = BigInt('0x' + digits);
  if (mantissa === 0n) return neg ? -0 : 0;
  const exp2 = binaryExponent - 4 * fractionDigits; // value = mantissa * 2^exp2

  // Exponent of the leading bit, then the weight of the last bit a double can hold there
  // (2^-1074 at most finely: subnormals).
  const leadingBit = mantissa.toString(2).length - 1 + exp2;
  if (leadingBit >= 1024) {
    lastStatus = RANGE;
    return neg ? -Infinity : Infinity;
  }
  let quantum = Math.max(leadingBit - 52, -1074);
  const shift = quantum - exp2;
  let significand: bigint;
  if (shift <= 0) {
    significand = mantissa << BigInt(-shift);
  } else {
    const bigShift = BigInt(shift);
    significand = mantissa >> bigShift;
    const remainder = mantissa - (significand << bigShift);
    const half = 1n << (bigShift - 1n);
    if (remainder > half || (remainder === half && (significand & 1n) === 1n)) significand += 1n;
  }
  if (significand === TWO_POW_53) {
    // Rounding carried into a new bit.
    significand >>= 1n;
    quantum += 1;
  }
  if (quantum > 1023 - 52) {
    lastStatus = RANGE;
    return neg ? -Infinity : Infinity;
  }
  // Exact: significand < 2^53 and 2^quantum is a double for quantum in [-1074, 971].
  const value = Number(significand) * 2 ** quantum;
  return neg ? -value : value;
}
