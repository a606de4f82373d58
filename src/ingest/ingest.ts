// Where bytes become events: every transport hands its packets or lines here. Counts lines,
// relays raw lines, parses into the event queue. One instance per bridge, shared by listeners.
//
// The hot path: an ASCII packet (no relay) is split into lines here, and a line the series
// cache remembers (src/ingest/series-cache.ts) only has its value parsed: the queue gets the
// cached handle and the value, no event. Other lines are parsed in full into the queue, and
// those that can be served from the cache next time are noted, to be remembered when applied.
import { parseGoFloat } from '../line/gofloat';
import type { LineParser } from '../line/parser';
import type { EventQueue } from './event-queue';
import { hashByte, hashEnd, hashStart, type SeriesCache } from './series-cache';
import type { SelfMetrics } from '../telemetry/self-metrics';

export interface LineRelay {
  relayLine(line: string): void;
}

const NEWLINE = 0x0a;
const COLON = 0x3a;
const PIPE = 0x7c;
const DOT = 0x2e;
const PLUS = 0x2b;
const MINUS = 0x2d;

export class Ingest {
  private readonly onLine: ((line: string) => void) | undefined;

  constructor(
    private readonly parser: LineParser,
    private readonly queue: EventQueue,
    private readonly metrics: SelfMetrics,
    relay: LineRelay | null,
    private readonly series: SeriesCache | null = null,
  ) {
    // Decided once: without a relay the parser gets no per-line callback at all.
    this.onLine = relay ? (line: string) => relay.relayLine(line) : undefined;
  }

  /** A datagram (UDP or unixgram): lines split on '\n' only, as upstream. */
  packet(packet: Buffer): void {
    const cache = this.series;
    if (cache === null || this.onLine !== undefined) {
      const lines = this.parser.parsePacket(packet, this.queue.pending, this.onLine);
      this.metrics.linesReceived.inc(lines);
      this.queue.added();
      return;
    }
    cache.begin();
    const length = packet.length;
    // Every piece of the split counts, empty ones included (statsd_exporter_lines_total).
    let lines = 1;
    let start = 0;
    for (;;) {
      const end = this.scanLine(cache, packet, start, length);
      if (end === length) break;
      lines++;
      start = end + 1;
    }
    this.metrics.linesReceived.inc(lines);
    this.queue.added();
  }

  /** One line of a TCP stream, without its terminator. */
  line(line: Buffer): void {
    this.metrics.linesReceived.inc();
    const cache = this.series;
    if (cache !== null && this.onLine === undefined && line.indexOf(NEWLINE) === -1) {
      cache.begin();
      this.scanLine(cache, line, 0, line.length);
    } else {
      if (this.onLine && line.length > 0) this.onLine(line.toString('utf8'));
      this.parser.parseLineBuffer(line, this.queue.pending);
    }
    this.queue.added();
  }

  /**
   * Handles the line that starts at p[start] and ends at the next '\n' (or `length`); returns
   * where it ends. One pass over the bytes finds the ':' and the first '|' after it while it
   * hashes the line's key (the bytes without the value) and checks the line is ASCII.
   */
  private scanLine(cache: SeriesCache, p: Buffer, start: number, length: number): number {
    let hash = hashStart();
    let high = 0;
    let i = start;
    for (; i < length; i++) {
      const b = p[i];
      if (b === COLON || b === NEWLINE) break;
      high |= b;
      hash = hashByte(hash, b);
    }
    if (i === length || p[i] === NEWLINE) return this.other(p, start, i, high);
    const colon = i;
    for (i = colon + 1; i < length; i++) {
      const b = p[i];
      if (b === PIPE || b === NEWLINE || b === COLON) break;
      high |= b;
    }
    // (The rest of the line is not scanned: it is treated as possibly non-ASCII.)
    if (i === length || p[i] !== PIPE) return this.other(p, start, this.lineEnd(p, i, length), 0x80);
    const pipe = i;
    for (; i < length; i++) {
      const b = p[i];
      if (b === NEWLINE) break;
      high |= b;
      hash = hashByte(hash, b);
    }
    const end = i;
    if (colon === start || high > 0x7f) return this.other(p, start, end, high);
    hash = hashEnd(hash, colon - start);
    const h = cache.find(hash, p, start, colon, pipe, end);
    if (h !== null) {
      let raw = simpleDecimal(p, colon + 1, pipe);
      if (raw !== raw) {
        // Not plain decimal digits (or "NaN" itself): Go's full grammar.
        const parsed = parseGoFloat(p.toString('latin1', colon + 1, pipe));
        if (parsed === undefined) return this.other(p, start, end, high);
        raw = parsed;
      }
      const c = p[colon + 1];
      cache.received(h);
      this.queue.addCached(h, raw, c === PLUS || c === MINUS);
      return end;
    }
    this.learn(p, start, colon, pipe, end, hash);
    return end;
  }

  private lineEnd(p: Buffer, from: number, length: number): number {
    const nl = p.indexOf(NEWLINE, from);
    return nl === -1 || nl > length ? length : nl;
  }

  /** A line the series cache cannot serve: parsed in full into the queue. */
  private other(p: Buffer, start: number, end: number, high: number): number {
    if (end > start) {
      // ASCII is its own UTF-8; anything else is validated as the parser validates packets.
      if (high <= 0x7f) this.parser.parseLine(p.toString('latin1', start, end), this.queue.pending);
      else this.parser.parseLineBuffer(p.subarray(start, end), this.queue.pending);
    }
    return end;
  }

  /** Parses an ASCII line in full into the queue; notes it for the series cache when it can be served from there. */
  private learn(p: Buffer, start: number, colon: number, pipe: number, end: number, hash: number): void {
    const m = this.metrics;
    const pending = this.queue.pending;
    const first = pending.length;
    const samples = m.samplesReceived.total;
    const tags = m.tagsReceived.total;
    const problems = m.lineProblems();
    const line = p.toString('latin1', start, end);
    this.parser.parseLine(line, pending);
    if (pending.length > first && m.samplesReceived.total - samples === 1 && m.lineProblems() === problems) {
      this.queue.learnAt(first, { line, colon: colon - start, pipe: pipe - start, hash, tags: m.tagsReceived.total > tags, count: pending.length - first });
    }
  }
}

/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * Go's ParseFloat for the common `[+-]digits[.digits]` with at most 15 digits: m / 10^k with
 * both exact is correctly rounded, as Go's result is. NaN for any other text.
 */
export function simpleDecimal(p: Uint8Array, start: number, end: number): number {
  let i = start;
  let neg = false;
  const c0 = p[i];
  if (c0 === PLUS || c0 === MINUS) {
    neg = c0 === MINUS;
    i++;
  }
  let m = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const b = p[i];
    if (b >= 0x30 && b <= 0x39) {
      m = m * 10 + (b - 0x30);
      digits++;
    } else if (b === DOT && fraction === -1) {
      fraction = 0;
      continue;
    } else {
      return NaN;
    }
    if (fraction !== -1) fraction++;
  }
  if (digits === 0 || digits > 15) return NaN;
  const v = fraction > 0 ? m / POW10[fraction] : m;
  return neg ? -v : v;
}
