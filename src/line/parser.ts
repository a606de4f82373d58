// The StatsD line parser: statsd_exporter's pkg/line/line.go (master, v1.3 `|T` accepted),
// rewritten for V8. Every decision that depends on configuration is made at construction;
// a line is walked with indexOf over index ranges of the one line string, so the hot path
// allocates only the name/value substrings, the label object and the events themselves.
//
// Line grammar, in statsd_exporter's processing order:
//   name[tags]:value|type[|@rate][|#k:v,...][|c:container][|T<ts>]   (one sample)
//   name:v1|type1:v2|type2...                                        (classic multi-metric)
//   name:v1:v2:v3|ms|...                                             (DogStatsD value packing)
// Name tags: SignalFX `name[k=v,...]rest`, Librato `name#k=v,...`, InfluxDB `name,k=v,...`.
import { isAscii, isUtf8 } from 'node:buffer';
import { escapeMetricName } from '../core/escape';
import {
  NOOP_LINE_TELEMETRY,
  type Labels,
  type LineTelemetry,
  type SampleErrorReason,
  type StatsdEvent,
} from './events';
import { parseGoFloat, parseGoFloatResult } from './gofloat';

/** Which tag dialects are parsed (the `--statsd.parse-*-tags` flags). */
export interface TagDialects {
  dogstatsd: boolean;
  influxdb: boolean;
  librato: boolean;
  signalfx: boolean;
}

export interface LineParserOptions {
  /**
   * Upper bound on the events one timer/histogram/distribution sample expands to under a
   * sample rate (`int(1/rate)` copies). Upstream has no bound, so `|@1e-9` makes it build
   * a billion events; past this many copies the count is clamped.
   */
  maxObserverRepeat?: number;
  /**
   * Accept StatsD sets (`name:member|s`, `--statsd.enable-sets`): a set member is any
   * non-empty text. Off (the default, as upstream): sets are `illegal_event`.
   */
  sets?: boolean;
}

export const DEFAULT_MAX_OBSERVER_REPEAT = 10_000;

/**
 * Called with each non-empty line of a packet before it is parsed (statsd_exporter relays
 * lines there). `bytes` is the line exactly as received, a view into the packet that is
 * only valid during the call: copy it to keep it. `line` is its UTF-8 decoding.
 */
export type LineCallback = (line: string, bytes: Buffer) => void;

// Stat types. STAT_SET is kept apart from STAT_UNKNOWN so that support for sets (e.g. an
// `onSet(name, value, labels)` hook) can be added where sets are rejected today.
const STAT_UNKNOWN = 0;
const STAT_COUNTER = 1;
const STAT_GAUGE = 2;
const STAT_TIMER = 3;
const STAT_HISTOGRAM = 4;
const STAT_DISTRIBUTION = 5;
const STAT_SET = 6;
type StatType = number;

const NEWLINE = 0x0a;
const HASH = 0x23;
const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const AT = 0x40;
const UPPER_T = 0x54;
const LOWER_C = 0x63;
const LOWER_D = 0x64;
const LOWER_G = 0x67;
const LOWER_H = 0x68;
const LOWER_M = 0x6d;
const LOWER_S = 0x73;

/** A sample has at most 6 `|`-separated components: value, type and 4 more. */
const MAX_COMPONENTS_AFTER_TYPE = 4;
/** Go's int(x) on amd64 turns NaN and anything at or beyond 2^63 into MinInt64. */
const GO_INT64_LIMIT = 2 ** 63;

export class LineParser {
  private readonly dogstatsdTags: boolean;
  private readonly influxdbTags: boolean;
  private readonly libratoTags: boolean;
  private readonly signalfxTags: boolean;
  private readonly telemetry: LineTelemetry;
  private readonly maxObserverRepeat: number;
  private readonly sets: boolean;

  /**
   * The label map of the line being parsed, created on its first label. All samples of a
   * line share it, as upstream's do; null means "no labels" (len(labels) == 0 upstream).
   */
  private labels: Labels | null = null;

  constructor(dialects: TagDialects, telemetry: LineTelemetry = NOOP_LINE_TELEMETRY, options: LineParserOptions = {}) {
    this.dogstatsdTags = dialects.dogstatsd;
    this.influxdbTags = dialects.influxdb;
    this.libratoTags = dialects.librato;
    this.signalfxTags = dialects.signalfx;
    this.telemetry = telemetry;
    const max = options.maxObserverRepeat ?? DEFAULT_MAX_OBSERVER_REPEAT;
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`maxObserverRepeat must be a positive integer, got ${max}`);
    this.maxObserverRepeat = max;
    this.sets = options.sets === true;
  }

  /**
   * Parses a datagram (UDP, unixgram): split on "\n" only, so a trailing "\r" stays in its
   * line. Appends the events to `out` and returns the number of lines, counting every
   * piece of the split, empty ones included (statsd_exporter_lines_total).
   */
  parsePacket(packet: Buffer, out: StatsdEvent[], onLine?: LineCallback): number {
    // Decoding the whole packet and splitting the text is faster than decoding line by
    // line; UTF-8 is validated once per packet, and per line only when that fails.
    if (onLine === undefined) {
      if (isUtf8(packet)) return this.parseText(packet.toString('utf8'), packet, out, undefined);
      return this.parseBytes(packet, false, out, undefined);
    }
    // The relay also wants byte views, which string offsets give only for ASCII.
    if (isAscii(packet)) return this.parseText(packet.toString('latin1'), packet, out, onLine);
    return this.parseBytes(packet, isUtf8(packet), out, onLine);
  }

  /** parsePacket over the decoded text (`packet` gives the relay's byte views: ASCII only). */
  private parseText(text: string, packet: Buffer, out: StatsdEvent[], onLine: LineCallback | undefined): number {
    let lines = 0;
    let start = 0;
    for (;;) {
      let end = text.indexOf('\n', start);
      const last = end === -1;
      if (last) end = text.length;
      lines++;
      if (end > start) {
        const line = text.slice(start, end);
        if (onLine !== undefined) onLine(line, packet.subarray(start, end));
        this.parseLine(line, out);
      }
      if (last) return lines;
      start = end + 1;
    }
  }

  /** parsePacket over the bytes, decoding (and if need be validating) each line. */
  private parseBytes(packet: Buffer, allValid: boolean, out: StatsdEvent[], onLine: LineCallback | undefined): number {
    const length = packet.length;
    let lines = 0;
    let start = 0;
    for (;;) {
      let end = packet.indexOf(NEWLINE, start);
      const last = end === -1;
      if (last) end = length;
      lines++;
      if (end > start) {
        const bytes = packet.subarray(start, end);
        const line = bytes.toString('utf8');
        if (onLine !== undefined) onLine(line, bytes);
        if (allValid || isUtf8(bytes)) this.parseLine(line, out);
        else this.sampleError('malformed_line', line, 'bad line: invalid UTF-8');
      }
      if (last) return lines;
      start = end + 1;
    }
  }

  /** Parses one line given as bytes (a TCP line without its line ending). */
  parseLineBuffer(line: Buffer, out: StatsdEvent[]): void {
    if (line.length === 0) return;
    if (!isUtf8(line)) {
      this.sampleError('malformed_line', line.toString('utf8'), 'bad line: invalid UTF-8');
      return;
    }
    this.parseLine(line.toString('utf8'), out);
  }

  /**
   * Parses one line of already decoded text and appends its events to `out`. (Invalid
   * UTF-8 cannot be seen in a string: callers holding bytes use parseLineBuffer/parsePacket.)
   */
  parseLine(line: string, out: StatsdEvent[]): void {
    if (line.length === 0) return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      this.sampleError('malformed_line', line, 'bad line');
      return;
    }

    this.labels = null;
    const metric = this.parseNameAndTags(line, colon);
    const valuesStart = colon + 1;
    // The `|#` checks run even when DogStatsD tag parsing is off, as upstream.
    const dogStatsDTags = line.indexOf('|#', valuesStart) !== -1;
    if (dogStatsDTags && this.labels !== null) {
      this.sampleError('mixed_tagging_styles', line, 'bad line: multiple tagging styles');
      return;
    }

    const firstPipe = line.indexOf('|', valuesStart);
    if (firstPipe === -1) {
      this.sampleError('not_enough_parts_after_colon', line, "bad line: not enough '|'-delimited parts after first ':'");
      return;
    }
    const end = line.length;
    const secondColon = line.indexOf(':', valuesStart);

    if (secondColon !== -1 && secondColon < firstPipe) {
      // DogStatsD extended aggregation `name:v1:v2|type|...`: each value is a sample that
      // shares everything after the first '|'. Allowed for timers, histograms, distributions.
      const typeStart = firstPipe + 1;
      const typeEnd = indexOrEnd(line, '|', typeStart, end);
      const type = statTypeAt(line, typeStart, typeEnd);
      if (type !== STAT_TIMER && type !== STAT_HISTOGRAM && type !== STAT_DISTRIBUTION) {
        this.sampleError('invalid_extended_aggregate_type', line, 'bad line: invalid extended aggregate type');
        return;
      }
      let valueStart = valuesStart;
      for (;;) {
        const valueEnd = indexOrEnd(line, ':', valueStart, firstPipe);
        this.parseSample(line, metric, valueStart, valueEnd, typeStart, end, out);
        if (valueEnd === firstPipe) return;
        valueStart = valueEnd + 1;
      }
    }

    if (dogStatsDTags) {
      // With DogStatsD tags the classic multi-metric form is off: one sample.
      this.parseSample(line, metric, valuesStart, firstPipe, firstPipe + 1, end, out);
      return;
    }

    // Classic multi-metric `name:v1|t1:v2|t2`: every ':'-separated piece is a sample.
    let sampleStart = valuesStart;
    for (;;) {
      const sampleEnd = indexOrEnd(line, ':', sampleStart, end);
      const pipe = indexOrEnd(line, '|', sampleStart, sampleEnd);
      if (pipe === sampleEnd) this.parseSample(line, metric, sampleStart, sampleEnd, -1, sampleEnd, out);
      else this.parseSample(line, metric, sampleStart, pipe, pipe + 1, sampleEnd, out);
      if (sampleEnd === end) return;
      sampleStart = sampleEnd + 1;
    }
  }

  /**
   * One sample: the value is line[valueStart, valueEnd), the type and further components
   * are line[typeStart, sampleEnd) ('|'-separated). typeStart = -1: the sample has no '|'.
   */
  private parseSample(
    line: string,
    metric: string,
    valueStart: number,
    valueEnd: number,
    typeStart: number,
    sampleEnd: number,
    out: StatsdEvent[],
  ): void {
    this.telemetry.sample();
    if (typeStart < 0) {
      this.sampleError('malformed_component', line, 'bad component');
      return;
    }
    const typeEnd = indexOrEnd(line, '|', typeStart, sampleEnd);
    let componentsAfterType = 0;
    for (let p = typeEnd; p < sampleEnd; p = indexOrEnd(line, '|', p + 1, sampleEnd)) {
      if (++componentsAfterType > MAX_COMPONENTS_AFTER_TYPE) {
        this.sampleError('malformed_component', line, 'bad component');
        return;
      }
    }

    const valueText = line.slice(valueStart, valueEnd);
    let value = parseGoFloat(valueText);
    if (value === undefined) {
      // With sets on, a set member need not be a number (the member text is used below).
      if (!(this.sets && valueEnd > valueStart && statTypeAt(line, typeStart, typeEnd) === STAT_SET)) {
        this.sampleError('malformed_value', line, `bad value: ${valueText}`);
        return;
      }
      value = NaN;
    }
    const firstChar = line.charCodeAt(valueStart);
    const relative = firstChar === PLUS || firstChar === MINUS;
    const type = statTypeAt(line, typeStart, typeEnd);

    let repeat = 1;
    if (componentsAfterType > 0) {
      // All components are checked for emptiness before any is used.
      for (let p = typeEnd; p < sampleEnd; ) {
        const next = indexOrEnd(line, '|', p + 1, sampleEnd);
        if (next === p + 1) {
          this.sampleError('malformed_component', line, 'Empty component');
          return;
        }
        p = next;
      }
      for (let p = typeEnd; p < sampleEnd; ) {
        const start = p + 1;
        const next = indexOrEnd(line, '|', start, sampleEnd);
        p = next;
        switch (line.charCodeAt(start)) {
          case AT: {
            const rate = this.sampleRate(line, start + 1, next);
            if (type === STAT_COUNTER) value /= rate;
            else if (type === STAT_TIMER || type === STAT_HISTOGRAM || type === STAT_DISTRIBUTION) {
              repeat = this.observerRepeat(rate);
            }
            // Gauges ignore the rate.
            break;
          }
          case HASH:
            if (this.dogstatsdTags) this.parseTagList(line, start + 1, next, COLON, true, line);
            break;
          case LOWER_C:
            // DogStatsD v1.2 container ID: `c:<id>`.
            if (next - start > 2 && line.charCodeAt(start + 1) === COLON) {
              this.setLabel('container_id', line.slice(start + 2, next));
            } else {
              this.sampleError('malformed_container_id', line, 'Malformed container ID section');
              return;
            }
            break;
          case UPPER_T:
            // DogStatsD v1.3 timestamp: accepted and ignored, unparsed (statsd_exporter master).
            break;
          default:
            this.sampleError('invalid_sample_factor', line, 'Invalid sampling factor, tag section, or container ID section');
            return;
        }
      }
    }

    if (this.labels !== null) this.telemetry.tagsPresent();
    const labels: Labels = this.labels ?? {};
    switch (type) {
      case STAT_COUNTER:
        out.push({ type: 'counter', name: metric, value, labels });
        return;
      case STAT_GAUGE:
        out.push({ type: 'gauge', name: metric, value, relative, labels });
        return;
      case STAT_TIMER:
      case STAT_HISTOGRAM:
      case STAT_DISTRIBUTION: {
        // StatsD timers are in milliseconds, Prometheus wants seconds.
        const observed = type === STAT_TIMER ? value / 1000 : value;
        for (let i = 0; i < repeat; i++) out.push({ type: 'observer', name: metric, value: observed, labels });
        return;
      }
      case STAT_SET:
        if (this.sets) {
          // The member as written: "1" and "1.0" are different members; the rate is ignored.
          out.push({ type: 'set', name: metric, value: valueText, labels });
          return;
        }
        this.sampleError('illegal_event', line, 'no support for StatsD sets');
        return;
      default:
        this.sampleError('illegal_event', line, `bad stat type ${line.slice(typeStart, typeEnd)}`);
    }
  }

  /** `@rate` from line[start, end): Go's value, 0 taken as 1; a bad rate is counted but kept. */
  private sampleRate(line: string, start: number, end: number): number {
    const text = line.slice(start, end);
    let rate = parseGoFloat(text);
    if (rate === undefined) {
      this.sampleError('invalid_sample_factor', line, `Invalid sampling factor: ${text}`);
      // Go goes on with what ParseFloat returned: 0 on a syntax error, ±Inf out of range.
      rate = parseGoFloatResult(text).value;
    }
    return rate === 0 ? 1 : rate;
  }

  /** Go's int(1/rate) (amd64), clamped: a rate above 1, negative or NaN yields no events. */
  private observerRepeat(rate: number): number {
    const copies = 1 / rate;
    if (!(copies >= 1 && copies < GO_INT64_LIMIT)) return 0;
    return Math.min(Math.trunc(copies), this.maxObserverRepeat);
  }

  /** The metric name of line[0, colon) with SignalFX, Librato or InfluxDB tags cut out. */
  private parseNameAndTags(line: string, colon: number): string {
    const name = line.slice(0, colon);
    if (this.signalfxTags) {
      const open = name.indexOf('[');
      const close = name.indexOf(']');
      if (open !== -1 && close !== -1) {
        if (open < close) {
          this.parseTagList(name, open + 1, close, 0x3d /* = */, false, line);
          return name.slice(0, open) + name.slice(close + 1);
        }
        // "]...[": upstream slices name[open+1:close] and panics; treat as broken tags.
        this.tagError(line, 'invalid SignalFx tags, not parsing');
        return name;
      }
      if (open !== -1 || close !== -1) {
        this.tagError(line, 'invalid SignalFx tags, not parsing');
        return name;
      }
    }
    let cut = this.libratoTags ? name.indexOf('#') : -1;
    if (this.influxdbTags) {
      const comma = name.indexOf(',');
      if (comma !== -1 && (cut === -1 || comma < cut)) cut = comma;
    }
    if (cut === -1) return name;
    this.parseTagList(name, cut + 1, name.length, 0x3d /* = */, false, line);
    return name.slice(0, cut);
  }

  /**
   * Comma-separated `key<sep>value` tags in text[start, end). Empty tags between commas
   * are errors; an empty piece after a trailing comma is not looked at (as upstream).
   * DogStatsD tags may each start with '#' (the PHP client's form), which is dropped.
   */
  private parseTagList(text: string, start: number, end: number, separator: number, dropHash: boolean, line: string): void {
    let tagStart = start;
    for (;;) {
      const comma = indexOrEnd(text, ',', tagStart, end);
      if (comma === end) {
        if (tagStart < end) this.parseTag(text, tagStart, end, separator, dropHash, line);
        return;
      }
      this.parseTag(text, tagStart, comma, separator, dropHash, line);
      tagStart = comma + 1;
    }
  }

  /** One tag text[start, end), split at its first separator; the key is escaped. */
  private parseTag(text: string, start: number, end: number, separator: number, dropHash: boolean, line: string): void {
    if (dropHash && start < end && text.charCodeAt(start) === HASH) start++;
    if (start === end) {
      this.tagError(line, 'Empty name tag');
      return;
    }
    let sep = start;
    while (sep < end && text.charCodeAt(sep) !== separator) sep++;
    if (sep === end || sep === start || sep + 1 === end) {
      this.tagError(line, `Malformed name tag: ${text.slice(start, end)}`);
      return;
    }
    this.setLabel(escapeMetricName(text.slice(start, sep)), text.slice(sep + 1, end));
  }

  private setLabel(key: string, value: string): void {
    const labels = this.labels ?? (this.labels = {});
    if (key === '__proto__') {
      // A plain assignment would hit Object.prototype's __proto__ setter and be lost.
      Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      labels[key] = value;
    }
  }

  private sampleError(reason: SampleErrorReason, line: string, detail: string): void {
    this.telemetry.sampleError(reason, line, detail);
  }

  private tagError(line: string, detail: string): void {
    this.telemetry.tagError(line, detail);
  }
}

/** Index of `char` in text[from, end), or `end` when absent. */
function indexOrEnd(text: string, char: string, from: number, end: number): number {
  const i = text.indexOf(char, from);
  return i === -1 || i >= end ? end : i;
}

function statTypeAt(line: string, start: number, end: number): StatType {
  const c = line.charCodeAt(start);
  switch (end - start) {
    case 1:
      switch (c) {
        case LOWER_C:
          return STAT_COUNTER;
        case LOWER_G:
          return STAT_GAUGE;
        case LOWER_H:
          return STAT_HISTOGRAM;
        case LOWER_D:
          return STAT_DISTRIBUTION;
        case LOWER_S:
          return STAT_SET;
      }
      return STAT_UNKNOWN;
    case 2:
      return c === LOWER_M && line.charCodeAt(start + 1) === LOWER_S ? STAT_TIMER : STAT_UNKNOWN;
    default:
      return STAT_UNKNOWN;
  }
}
