// The series cache: the hot path's shortcut past parsing, mapping and the registry lookup.
//
// A StatsD line is `name<tags>:value|type<rest>`. Everything but the value decides what the
// line does: the mapping rule, the labels, the series it updates, the sample rate. So the
// first time a line is seen it goes the full way (parser -> exporter -> registry), and what the
// exporter did is remembered under the line with its value cut out (`name|type<rest>`). The
// next line with that key only parses its value; the queue holds the handle and the value (no
// event object, no label object), and the flush updates the remembered series without a
// mapping lookup or label-key building.
//
// The key is looked up with the line's bytes where they sit in the packet (Ingest hashes them
// while it scans for ':' and '|'), so a cached line allocates nothing. A line is remembered the
// second time it is seen (when its series already exists), so a stream of one-off series costs
// no cache memory; the cache holds at most `maxEntries` lines (two generations).
//
// A line is remembered only when its full parse produced exactly one sample, no sample or tag
// error and, after the exporter, either a series update or a drop; the value arithmetic the
// cache will do is checked against what the parser produced for that line. Everything else
// (errors, conflicts, refused series, multi-sample lines, sets, empty names) always goes the
// full way, so every error is counted and logged as before.
//
// Invalidation:
// - a mapping reload (or new mapper defaults): the whole cache is dropped (checked per packet);
// - TTL expiry: the registry bumps `removalEpoch` on every sweep that removed a series; a handle
//   from an older epoch checks that its series is still in its vector before it is used;
// - the cardinality guard, conflicts: never cached (only existing series are), so unaffected.
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { Labels, StatsdEvent } from '../line/events';
import { parseGoFloat } from '../line/gofloat';
import { intern, internLabels } from '../registry/label-key';
import type { SeriesRegistry } from '../registry/series-registry';
import type { SeriesMeta, SeriesVector } from '../registry/types';
import type { Inc, SelfMetrics } from '../telemetry/self-metrics';
import type { Exporter } from '../exporter/exporter';

const STAT_COUNTER = 1;
const STAT_GAUGE = 2;
/** `ms`: the value is divided by 1000 (seconds). */
const STAT_TIMER = 3;
/** `h`, `d`. */
const STAT_OBSERVER = 4;

const PLUS = 0x2b;
const MINUS = 0x2d;

/** What one remembered line does; immutable except for the epoch it was last checked in. */
export class SeriesHandle {
  constructor(
    readonly stat: number,
    /** Counters: the value is divided by this (the `@rate`, 1 without one). */
    readonly rate: number,
    /** Events per sample (observers with a sample rate below 1 repeat). */
    readonly repeat: number,
    /** The line carries tags (statsd_exporter_tags_total). */
    readonly tags: boolean,
    readonly drop: boolean,
    readonly mapped: boolean,
    readonly hasScale: boolean,
    readonly scale: number,
    /** Summaries refuse non-finite values. */
    readonly summary: boolean,
    readonly vector: SeriesVector | null,
    readonly series: SeriesMeta | null,
    readonly ttlMs: number,
    /** The Prometheus name, for debug logs. */
    readonly name: string,
    /** statsd_exporter_events_total{type} of the line's event type. */
    readonly events: Inc,
    public epoch: number,
    /** The cache key: the line without its value (latin1: one char per byte; ASCII lines only). */
    readonly key: string,
    readonly hash: number,
    /** Bytes of the key that are the name (the rest is the line from its first '|' after ':'). */
    readonly nameLength: number,
    /** The StatsD name and tags of the line: rebuild its events when the series has expired. */
    readonly protoName: string,
    readonly protoLabels: Labels | null,
  ) {}
}

/**
 * A fully parsed line that may be served from the cache next time: remembered (or not) once its
 * first event has been applied (see SeriesCache.remember). Cheap: most lines never get further.
 */
export interface LearnNote {
  /** The line; `colon` and `pipe` are the offsets of its first ':' and of the first '|' after it. */
  line: string;
  colon: number;
  pipe: number;
  /** The key hash (hashStart/hashByte/hashEnd over the line without its value). */
  hash: number;
  /** The line's one sample had tags. */
  tags: boolean;
  /** How many events the parser made of it (observers repeat under a sample rate). */
  count: number;
}

/** What the cache needs to see of the mapper: a reload replaces both objects. */
export interface MappingVersion {
  readonly config: unknown;
  readonly defaults: unknown;
}

export interface SeriesCacheOptions {
  exporter: Exporter;
  registry: SeriesRegistry;
  mapper: MappingVersion;
  metrics: SelfMetrics;
  logger: Logger;
  clock: Clock;
  /** Most lines remembered (two generations of half each; default 65,536). */
  maxEntries?: number;
  /**
   * Called per event served from the cache, where statsd_exporter would have asked its mapping
   * cache (which then counts a get and a hit); null when the mapping cache reports neither.
   */
  onMappingReuse?: (() => void) | null;
}

export const DEFAULT_SERIES_CACHE_ENTRIES = 65_536;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Starts the key hash of a line (FNV-1a over the name bytes, then over the bytes from the '|'). */
export function hashStart(): number {
  return FNV_OFFSET;
}

/** Adds one byte to a key hash. */
export function hashByte(h: number, b: number): number {
  return Math.imul(h ^ b, FNV_PRIME);
}

/** Ends a key hash: the name length goes in, since the same bytes can split differently. */
export function hashEnd(h: number, nameLength: number): number {
  return Math.imul(h ^ nameLength, FNV_PRIME);
}

/**
 * An open-addressing table from line keys to handles, looked up with the key's bytes where they
 * sit in the packet (name bytes, then the bytes from the first '|' on): no string, no copy.
 */
class HandleTable {
  size = 0;
  private mask: number;
  private hashes: Int32Array;
  private keys: Array<string | null>;
  private handles: Array<SeriesHandle | null>;

  constructor(capacity = 256) {
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.keys = new Array<string | null>(capacity).fill(null);
    this.handles = new Array<SeriesHandle | null>(capacity).fill(null);
  }

  find(hash: number, p: Uint8Array, start: number, colon: number, pipe: number, end: number): SeriesHandle | null {
    const nameLength = colon - start;
    const length = nameLength + (end - pipe);
    const keys = this.keys;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === null) return null;
      if (this.hashes[i] !== hash || k.length !== length) continue;
      const h = this.handles[i]!;
      if (h.nameLength !== nameLength) continue;
      let same = true;
      for (let j = 0; j < nameLength; j++) {
        if (k.charCodeAt(j) !== p[start + j]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      for (let j = nameLength, q = pipe; j < length; j++, q++) {
        if (k.charCodeAt(j) !== p[q]) {
          same = false;
          break;
        }
      }
      if (same) return h;
    }
  }

  /** Inserts, or replaces the handle of an equal key. */
  set(h: SeriesHandle): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    for (let i = h.hash & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === null) {
        keys[i] = h.key;
        this.hashes[i] = h.hash;
        this.handles[i] = h;
        this.size++;
        return;
      }
      if (this.hashes[i] === h.hash && this.handles[i]!.nameLength === h.nameLength && k === h.key) {
        this.handles[i] = h;
        return;
      }
    }
  }

  private grow(): void {
    const handles = this.handles;
    const n = handles.length * 2;
    this.mask = n - 1;
    this.hashes = new Int32Array(n);
    this.keys = new Array<string | null>(n).fill(null);
    this.handles = new Array<SeriesHandle | null>(n).fill(null);
    this.size = 0;
    for (const h of handles) if (h !== null) this.set(h);
  }
}

export class SeriesCache {
  private young = new HandleTable();
  private old = new HandleTable();
  private readonly half: number;
  private config: unknown;
  private defaults: unknown;

  constructor(private readonly o: SeriesCacheOptions) {
    this.half = Math.max(1, Math.floor((o.maxEntries ?? DEFAULT_SERIES_CACHE_ENTRIES) / 2));
    this.config = o.mapper.config;
    this.defaults = o.mapper.defaults;
  }

  /** Lines remembered now (both generations). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** Call once per packet before get(): forgets everything when the mapping was reloaded. */
  begin(): void {
    const m = this.o.mapper;
    if (m.config !== this.config || m.defaults !== this.defaults) {
      this.config = m.config;
      this.defaults = m.defaults;
      this.clear();
    }
  }

  clear(): void {
    this.young = new HandleTable();
    this.old = new HandleTable();
  }

  /** The registry clock, read once per flushed batch. */
  now(): number {
    return this.o.clock.nowMs();
  }

  /**
   * The handle of the line whose name is p[start, colon) and whose first '|' after the ':' is
   * at `pipe` (the line ends at `end`); `hash` from hashStart/hashByte/hashEnd over those bytes.
   */
  find(hash: number, p: Uint8Array, start: number, colon: number, pipe: number, end: number): SeriesHandle | null {
    const h = this.young.find(hash, p, start, colon, pipe, end);
    if (h !== null) return h;
    const o = this.old.find(hash, p, start, colon, pipe, end);
    if (o !== null) this.put(o);
    return o;
  }

  private put(h: SeriesHandle): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new HandleTable();
    }
    this.young.set(h);
  }

  /** What the parser counts for a line served from the cache (at receive time, as the parser). */
  received(h: SeriesHandle): void {
    const m = this.o.metrics;
    m.samplesReceived.inc();
    if (h.tags) m.tagsReceived.inc();
  }

  /**
   * Applies a line served from the cache, with value `raw` (Go's ParseFloat of the value text;
   * `relative` when it began with '+' or '-'): what the exporter does for the line's events.
   */
  apply(h: SeriesHandle, raw: number, relative: boolean, now: number): void {
    const o = this.o;
    const n = h.repeat;
    if (h.epoch !== o.registry.removalEpoch) {
      const s = h.series;
      if (s !== null && h.vector!.find(s.key) !== s) {
        // The series expired (TTL) since the line was learned: the full way, and learn again.
        this.rebuild(h, raw, relative);
        return;
      }
      h.epoch = o.registry.removalEpoch;
    }
    const m = o.metrics;
    const reuse = o.onMappingReuse;
    if (reuse) for (let i = 0; i < n; i++) reuse();
    if (h.drop) {
      m.actions.drop.inc(n);
      return;
    }
    if (h.mapped) m.actions.map.inc(n);
    else m.eventsUnmapped.inc(n);

    let v = eventValue(h.stat, h.rate, raw);
    if (h.hasScale) v *= h.scale;
    if (h.stat === STAT_COUNTER && v < 0) {
      o.logger.debug('counter must be non-negative value', { metric: h.name, event_value: v });
      m.eventErrors.illegal_negative_counter.inc();
      return;
    }
    // Only a summary that cannot hold NaN/±Inf refuses them (see SeriesVector.rejectsNonFinite).
    if (h.summary && h.vector!.rejectsNonFinite === true && !Number.isFinite(v)) {
      for (let i = 0; i < n; i++) o.logger.debug('summary cannot observe a non-finite value', { metric: h.name, event_value: v });
      m.eventErrors.non_finite_summary_value.inc(n);
      return;
    }
    const s = h.series!;
    s.lastUpdateMs = now;
    s.ttlMs = h.ttlMs;
    const vector = h.vector!;
    for (let i = 0; i < n; i++) vector.update(s, v, relative);
    h.events.inc(n);
  }

  /** The events a cached line stands for, through the exporter; the line is learned again. */
  private rebuild(h: SeriesHandle, raw: number, relative: boolean): void {
    const name = h.protoName;
    const labels = h.protoLabels!;
    const value = eventValue(h.stat, h.rate, raw);
    for (let i = 0; i < h.repeat; i++) {
      const e: StatsdEvent =
        h.stat === STAT_COUNTER
          ? { type: 'counter', name, value, labels }
          : h.stat === STAT_GAUGE
            ? { type: 'gauge', name, value, relative, labels }
            : { type: 'observer', name, value, labels };
      const before = this.o.registry.seriesCount;
      this.o.exporter.handleEvent(e);
      if (i === 0 && this.o.registry.seriesCount === before) this.rememberShape(h.key, h.hash, h.nameLength, h.stat, h.rate, h.repeat, h.tags, e);
    }
  }

  /** Series held by the registry (remember() wants to know whether an event created one). */
  seriesCount(): number {
    return this.o.registry.seriesCount;
  }

  /**
   * Remembers a noted line after the exporter handled its first event, items[index] (see
   * exporter.outcome); its events are items[index, index + note.count). `created`: that event
   * created its series; such a line is remembered the next time it comes, so one-off series
   * cost no cache memory.
   */
  remember(note: LearnNote, items: ReadonlyArray<unknown>, index: number, created: boolean): void {
    if (created) return;
    const events = items.slice(index, index + note.count) as StatsdEvent[];
    for (const e of events) if (e instanceof SeriesHandle) return;
    const shape = lineShape(note.line, note.colon, note.pipe, events);
    if (shape === null) return;
    const line = note.line;
    // The key as one flat string of its own (not pieces of the line).
    const key = Buffer.from(line.slice(0, note.colon) + line.slice(note.pipe), 'latin1').toString('latin1');
    this.rememberShape(key, note.hash, note.colon, shape.stat, shape.rate, note.count, note.tags, events[0]);
  }

  private rememberShape(key: string, hash: number, nameLength: number, stat: number, rate: number, repeat: number, tags: boolean, event: StatsdEvent): void {
    const o = this.o;
    const out = o.exporter.outcome;
    const m = o.metrics;
    let h: SeriesHandle;
    const epoch = o.registry.removalEpoch;
    if (out.action === 'drop') {
      h = new SeriesHandle(stat, rate, repeat, tags, true, true, false, 1, false, null, null, 0, '', m.events.counter, epoch, key, hash, nameLength, '', null);
    } else if (out.action === 'update') {
      const kindOk =
        event.type === 'counter' ? out.kind === 'counter' : event.type === 'gauge' ? out.kind === 'gauge' : event.type === 'observer' && (out.kind === 'histogram' || out.kind === 'summary');
      if (!kindOk || out.vector === null || out.series === null) return;
      const scale = out.mapping ? out.mapping.scale : null;
      const events = event.type === 'counter' ? m.events.counter : event.type === 'gauge' ? m.events.gauge : m.events.observer;
      h = new SeriesHandle(
        stat,
        rate,
        repeat,
        tags,
        false,
        out.mapping !== undefined,
        scale !== null && scale !== undefined,
        scale ?? 1,
        out.kind === 'summary',
        out.vector,
        out.series,
        out.ttlMs,
        out.name,
        events,
        epoch,
        key,
        hash,
        nameLength,
        // Interned: a handle must not keep the packet its line was cut from.
        intern(event.name),
        // Unmapped, the series' labels are the event's (already interned by the registry).
        out.mapping === undefined ? out.series.labels : internLabels(event.labels),
      );
    } else {
      return;
    }
    this.put(h);
  }
}

/** The event value of a line's value: what the parser computes for the stat type. */
function eventValue(stat: number, rate: number, raw: number): number {
  return stat === STAT_COUNTER ? raw / rate : stat === STAT_TIMER ? raw / 1000 : raw;
}

interface LineShape {
  stat: number;
  rate: number;
}

/**
 * The stat type and counter rate of a line, when the cache's arithmetic reproduces exactly what
 * the parser made of it; null otherwise (the line is then never cached).
 */
function lineShape(line: string, colon: number, pipe: number, events: readonly StatsdEvent[]): LineShape | null {
  const e = events[0];
  if (e.type === 'set') return null;
  for (let i = 1; i < events.length; i++) {
    const x = events[i];
    if (x.type !== 'observer' || e.type !== 'observer' || !Object.is(x.value, e.value) || x.labels !== e.labels || x.name !== e.name) return null;
  }
  const typeStart = pipe + 1;
  let typeEnd = line.indexOf('|', typeStart);
  if (typeEnd === -1) typeEnd = line.length;
  const type = line.slice(typeStart, typeEnd);
  let stat: number;
  if (type === 'c' && e.type === 'counter') stat = STAT_COUNTER;
  else if (type === 'g' && e.type === 'gauge') stat = STAT_GAUGE;
  else if (type === 'ms' && e.type === 'observer') stat = STAT_TIMER;
  else if ((type === 'h' || type === 'd') && e.type === 'observer') stat = STAT_OBSERVER;
  else return null;
  if (stat !== STAT_OBSERVER && stat !== STAT_TIMER && events.length !== 1) return null;

  // The sample rate matters to counters only (observers repeat, which `events` already shows).
  let rate = 1;
  let rates = 0;
  for (let p = typeEnd; p < line.length; ) {
    let next = line.indexOf('|', p + 1);
    if (next === -1) next = line.length;
    if (line.charCodeAt(p + 1) === 0x40 /* @ */) {
      if (++rates > 1) return null;
      const r = parseGoFloat(line.slice(p + 2, next));
      if (r === undefined) return null;
      rate = r === 0 ? 1 : r;
    }
    p = next;
  }
  if (stat !== STAT_COUNTER) rate = 1;

  const raw = parseGoFloat(line.slice(colon + 1, pipe));
  if (raw === undefined) return null;
  if (!Object.is(eventValue(stat, rate, raw), e.value)) return null;
  if (e.type === 'gauge') {
    const c = line.charCodeAt(colon + 1);
    if (e.relative !== (c === PLUS || c === MINUS)) return null;
  }
  return { stat, rate };
}
