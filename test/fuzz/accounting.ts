// The accounting oracle of the fuzz suites: parses input line by line with the real LineParser,
// watches every telemetry call, and checks that each line and each sample is accounted for.
//
// The exact invariant (per non-empty line):
//   - either the line is rejected as a whole: exactly one sample error with a line-level
//     reason (malformed_line, mixed_tagging_styles, not_enough_parts_after_colon,
//     invalid_extended_aggregate_type), no sample, no event;
//   - or it has k >= 1 samples (samples_total += k) and no line-level error, and each sample is
//       ok:        it produced >= 1 events (1 for counters/gauges/sets, 1..maxObserverRepeat
//                  copies for observers); only the non-fatal invalid_sample_factor (a bad
//                  `@rate`, counted and kept, as upstream) may accompany it;
//       rejected:  no event and >= 1 sample error (the last one says why);
//       no copies: no event and no error: an observer whose `@rate` yields int(1/rate) = 0
//                  copies (rate > 1, negative, NaN), which upstream accepts silently.
//   So samples = ok + rejected + noCopies, lines = empty + rejectedLines + linesWithSamples,
//   and every event the daemon receives is counted exactly once by the exporter.
import { SAMPLE_ERROR_REASONS, type LineTelemetry, type SampleErrorReason, type StatsdEvent } from '../../src/line/events';
import { DEFAULT_MAX_OBSERVER_REPEAT, LineParser, type TagDialects } from '../../src/line/parser';

export const ALL_DIALECTS: TagDialects = { dogstatsd: true, influxdb: true, librato: true, signalfx: true };

export const LINE_LEVEL_REASONS: ReadonlySet<SampleErrorReason> = new Set<SampleErrorReason>([
  'malformed_line',
  'mixed_tagging_styles',
  'not_enough_parts_after_colon',
  'invalid_extended_aggregate_type',
]);

export interface Totals {
  /** Pieces seen, empty ones included (what lines_total counts for datagrams). */
  lines: number;
  emptyLines: number;
  rejectedLines: number;
  linesWithSamples: number;
  samples: number;
  okSamples: number;
  rejectedSamples: number;
  noCopySamples: number;
  events: number;
  eventsByType: Record<string, number>;
  sampleErrors: Record<SampleErrorReason, number>;
  tags: number;
  tagErrors: number;
}

export function emptyTotals(): Totals {
  const sampleErrors = {} as Record<SampleErrorReason, number>;
  for (const r of SAMPLE_ERROR_REASONS) sampleErrors[r] = 0;
  return {
    lines: 0,
    emptyLines: 0,
    rejectedLines: 0,
    linesWithSamples: 0,
    samples: 0,
    okSamples: 0,
    rejectedSamples: 0,
    noCopySamples: 0,
    events: 0,
    eventsByType: {},
    sampleErrors,
    tags: 0,
    tagErrors: 0,
  };
}

export function addTotals(into: Totals, t: Totals): void {
  for (const k of ['lines', 'emptyLines', 'rejectedLines', 'linesWithSamples', 'samples', 'okSamples', 'rejectedSamples', 'noCopySamples', 'events', 'tags', 'tagErrors'] as const) into[k] += t[k];
  for (const r of SAMPLE_ERROR_REASONS) into.sampleErrors[r] += t.sampleErrors[r];
  for (const [k, v] of Object.entries(t.eventsByType)) into.eventsByType[k] = (into.eventsByType[k] ?? 0) + v;
}

export class AccountingError extends Error {}

/** Telemetry that splits one line's reports into the line part and one segment per sample. */
class SegmentingTelemetry implements LineTelemetry {
  lineErrors: SampleErrorReason[] = [];
  segments: Array<{ start: number; errors: SampleErrorReason[] }> = [];
  out: StatsdEvent[] = [];

  constructor(private readonly totals: Totals) {}

  reset(out: StatsdEvent[]): void {
    this.lineErrors = [];
    this.segments = [];
    this.out = out;
  }

  sample(): void {
    this.totals.samples++;
    this.segments.push({ start: this.out.length, errors: [] });
  }

  sampleError(reason: SampleErrorReason): void {
    this.totals.sampleErrors[reason]++;
    if (this.segments.length === 0) this.lineErrors.push(reason);
    else this.segments[this.segments.length - 1].errors.push(reason);
  }

  tagsPresent(): void {
    this.totals.tags++;
  }

  tagError(): void {
    this.totals.tagErrors++;
  }
}

const EVENT_TYPES = new Set(['counter', 'gauge', 'observer', 'set']);

function preview(bytes: Buffer): string {
  const s = JSON.stringify(bytes.toString('utf8'));
  return s.length > 200 ? `${s.slice(0, 200)}... (${bytes.length} bytes)` : s;
}

/** Parses lines one at a time and checks the invariant; keeps running totals and the events. */
export class LineAccountant {
  readonly totals = emptyTotals();
  private readonly telemetry = new SegmentingTelemetry(this.totals);
  readonly parser: LineParser;

  constructor(
    dialects: TagDialects = ALL_DIALECTS,
    private readonly maxRepeat = DEFAULT_MAX_OBSERVER_REPEAT,
  ) {
    this.parser = new LineParser(dialects, this.telemetry, { maxObserverRepeat: maxRepeat });
  }

  /** Accounts one line (bytes without its terminator), appending its events to `out`. */
  line(bytes: Buffer, out: StatsdEvent[]): void {
    const t = this.totals;
    const tel = this.telemetry;
    t.lines++;
    if (bytes.length === 0) {
      t.emptyLines++;
      this.parser.parseLineBuffer(bytes, out);
      return;
    }
    const first = out.length;
    tel.reset(out);
    this.parser.parseLineBuffer(bytes, out);
    const fail = (what: string): never => {
      throw new AccountingError(`${what}: line ${preview(bytes)}; line errors ${JSON.stringify(tel.lineErrors)}; samples ${JSON.stringify(tel.segments)}; events ${out.length - first}`);
    };
    if (tel.segments.length === 0) {
      if (tel.lineErrors.length !== 1 || !LINE_LEVEL_REASONS.has(tel.lineErrors[0])) fail('a line without samples must have exactly one line-level error');
      if (out.length !== first) fail('a rejected line produced events');
      t.rejectedLines++;
      return;
    }
    if (tel.lineErrors.length !== 0) fail('a line with samples also has a line-level error');
    if (tel.segments[0].start !== first) fail('events before the first sample');
    t.linesWithSamples++;
    const text = bytes.toString('utf8');
    for (let i = 0; i < tel.segments.length; i++) {
      const seg = tel.segments[i];
      const end = i + 1 < tel.segments.length ? tel.segments[i + 1].start : out.length;
      const n = end - seg.start;
      if (n > 0) {
        if (!seg.errors.every((r) => r === 'invalid_sample_factor')) fail('a sample with events has a fatal error');
        if (n > this.maxRepeat) fail(`a sample produced ${n} events, above the repeat cap`);
        const e0 = out[seg.start];
        for (let j = seg.start; j < end; j++) {
          const e = out[j];
          if (!EVENT_TYPES.has(e.type)) fail(`unknown event type ${String(e.type)}`);
          if (typeof e.name !== 'string' || e.name.includes(':') || e.name.includes('\n')) fail(`bad event name ${JSON.stringify(e.name)}`);
          if (e.type !== 'set' && typeof e.value !== 'number') fail('event value is not a number');
          if (typeof e.labels !== 'object' || e.labels === null) fail('event labels are not an object');
          if (n > 1 && (e.type !== 'observer' || e.name !== e0.name || !Object.is(e.value, e0.value))) fail('repeated events differ or are not observers');
        }
        for (const k of Object.keys(e0.labels)) if (typeof e0.labels[k] !== 'string') fail(`label ${k} is not a string`);
        t.okSamples++;
        t.events += n;
        t.eventsByType[e0.type] = (t.eventsByType[e0.type] ?? 0) + n;
      } else if (seg.errors.length > 0) {
        t.rejectedSamples++;
      } else {
        // Accepted with int(1/rate) = 0 copies: only an observer with a sample rate can do that.
        if (!text.includes('|@')) fail('a sample vanished: no event, no error, no sample rate');
        t.noCopySamples++;
      }
    }
  }

  /** The invariant over the totals so far. */
  checkTotals(): void {
    const t = this.totals;
    if (t.samples !== t.okSamples + t.rejectedSamples + t.noCopySamples) throw new AccountingError(`samples ${t.samples} != ok ${t.okSamples} + rejected ${t.rejectedSamples} + no copies ${t.noCopySamples}`);
    if (t.lines !== t.emptyLines + t.rejectedLines + t.linesWithSamples) throw new AccountingError(`lines ${t.lines} != empty + rejected + with samples`);
    const lineLevel = [...LINE_LEVEL_REASONS].reduce((s, r) => s + t.sampleErrors[r], 0);
    if (lineLevel !== t.rejectedLines) throw new AccountingError(`line-level errors ${lineLevel} != rejected lines ${t.rejectedLines}`);
  }
}

/** The pieces of a datagram: split on '\n' only (a '\r' stays in its line). */
export function datagramPieces(packet: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let nl = packet.indexOf(0x0a); nl !== -1; nl = packet.indexOf(0x0a, start)) {
    pieces.push(packet.subarray(start, nl));
    start = nl + 1;
  }
  pieces.push(packet.subarray(start));
  return pieces;
}

/**
 * What the TCP listener makes of one connection's byte stream: '\n'-terminated lines with one
 * trailing '\r' removed, a final unterminated line as is (when not empty), lines of
 * `maxLineLength` bytes or more (counting a '\r', not the '\n': Go's bufio buffer must also hold
 * the '\n') skipped and counted.
 */
export function tcpLines(stream: Buffer, maxLineLength: number): { lines: Buffer[]; tooLong: number } {
  const lines: Buffer[] = [];
  let tooLong = 0;
  let start = 0;
  for (let nl = stream.indexOf(0x0a); nl !== -1; nl = stream.indexOf(0x0a, start)) {
    const raw = stream.subarray(start, nl);
    if (raw.length >= maxLineLength) tooLong++;
    else lines.push(raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw);
    start = nl + 1;
  }
  const rest = stream.subarray(start);
  if (rest.length >= maxLineLength) tooLong++;
  else if (rest.length > 0) lines.push(rest);
  return { lines, tooLong };
}
