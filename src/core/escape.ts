// Metric-name escaping, behaviourally identical to statsd_exporter's EscapeMetricName
// (pkg/mapper/escape.go): every character outside [a-zA-Z0-9_] becomes "_", a run of
// dashes collapses into one "_", and a leading digit gets a "_" prepended.
//
// The common case (the name is already valid) scans once and returns the input string
// itself, without allocating.

function isValidCode(c: number): boolean {
  // a-z, A-Z, 0-9, _
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
  );
}

const DASH = 0x2d;

/** Replaces characters that are not valid in a Prometheus metric name with "_". */
export function escapeMetricName(name: string): string {
  const len = name.length;
  if (len === 0) return '';

  // Fast path: find the first character that needs work.
  const c0 = name.charCodeAt(0);
  const leadingDigit = c0 >= 0x30 && c0 <= 0x39;
  let i = 0;
  if (!leadingDigit) {
    while (i < len && isValidCode(name.charCodeAt(i))) i++;
    if (i === len) return name;
  }

  // Slow path: build the escaped string from position i on.
  let out = leadingDigit ? '_' : '';
  let offset = 0; // start of the not-yet-copied valid run
  let prevDash = false;
  while (i < len) {
    const c = name.charCodeAt(i);
    if (isValidCode(c)) {
      prevDash = false;
      i++;
      continue;
    }
    // A code point outside the BMP is one rune in Go: consume the surrogate pair at once.
    const width =
      c >= 0xd800 && c <= 0xdbff && i + 1 < len && (name.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    if (c === DASH && prevDash) {
      // A run of dashes collapses into the single "_" written for its first dash.
      out += name.slice(offset, i);
      offset = i + width;
      i += width;
      continue;
    }
    out += name.slice(offset, i) + '_';
    offset = i + width;
    prevDash = c === DASH;
    i += width;
  }
  if (offset < len) out += name.slice(offset);
  return out;
}
