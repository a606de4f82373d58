// Batches events between the listeners and the exporter, as statsd_exporter's EventQueue does:
// flushed when `flushThreshold` events are pending or every `flushIntervalMs`. In Node the flush
// runs synchronously on the same thread, so the queue never holds more than the threshold:
// that is its bound. The parser appends straight into `pending`, so a batch costs no copy.
//
// Lines served by the series cache (src/ingest/series-cache.ts) are queued too, in order with
// the events, but without an event object: the entry is the cached handle itself, with its
// value and relative flag in typed arrays at the same index.
import type { StatsdEvent } from '../line/events';
import type { Exporter } from '../exporter/exporter';
import { SeriesHandle, type LearnNote, type SeriesCache } from './series-cache';

export interface EventQueueOptions {
  flushThreshold: number;
  flushIntervalMs: number;
  onFlush: () => void;
  /**
   * A flush threw (a bug: the fuzz suites find none). The batch is given up and counted here so
   * one bad batch never takes the daemon down.
   */
  onError: (err: unknown, batchSize: number) => void;
  /** Applies the cached entries (addCached) and learns lines (learnAt); needed to use either. */
  seriesCache?: SeriesCache | null;
}

export class EventQueue {
  /**
   * Parsers append to this array directly; call `added()` afterwards. (Entries added with
   * addCached are SeriesHandle objects, not events: only the queue reads this array.)
   */
  readonly pending: StatsdEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Raw value and relative flag of the cached entry at the same index of `pending`. */
  private values = new Float64Array(1024);
  private relative = new Uint8Array(1024);
  /** Lines to remember once their first event is applied, by index of that event. */
  private readonly notes = new Map<number, LearnNote>();
  /** The batch holds cached entries or notes (else it is plain events). */
  private mixed = false;

  constructor(
    private readonly exporter: Exporter,
    private readonly opts: EventQueueOptions,
  ) {}

  start(): void {
    if (this.timer || this.opts.flushIntervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /** Flushes when the threshold is reached. */
  added(): void {
    if (this.pending.length >= this.opts.flushThreshold) this.flush();
  }

  /** Queues a line served by the series cache: its handle, raw value and relative flag. */
  addCached(h: SeriesHandle, raw: number, relative: boolean): void {
    const i = this.pending.length;
    if (i >= this.values.length) this.grow(i + 1);
    (this.pending as unknown[]).push(h);
    this.values[i] = raw;
    this.relative[i] = relative ? 1 : 0;
    this.mixed = true;
  }

  /** Remembers a line in the series cache when the event now at `index` is applied. */
  learnAt(index: number, note: LearnNote): void {
    this.notes.set(index, note);
    this.mixed = true;
  }

  private grow(min: number): void {
    let n = this.values.length * 2;
    while (n < min) n *= 2;
    const values = new Float64Array(n);
    values.set(this.values);
    const relative = new Uint8Array(n);
    relative.set(this.relative);
    this.values = values;
    this.relative = relative;
  }

  /**
   * The interval flush. statsd_exporter's ticker flushes (and counts
   * `event_queue_flushed_total`) every interval, empty queue or not (pkg/event FlushUnlocked).
   */
  private tick(): void {
    if (this.pending.length === 0) this.opts.onFlush();
    else this.flush();
  }

  /** Applies the pending events; counted as a flush only when there were any. */
  flush(): void {
    if (this.pending.length === 0) return;
    try {
      if (this.mixed) this.applyMixed();
      else this.exporter.handleEvents(this.pending);
    } catch (err) {
      this.opts.onError(err, this.pending.length);
    } finally {
      this.pending.length = 0;
      this.notes.clear();
      this.mixed = false;
      this.opts.onFlush();
    }
  }

  private applyMixed(): void {
    const cache = this.opts.seriesCache!;
    const items = this.pending as unknown as ReadonlyArray<StatsdEvent | SeriesHandle>;
    const notes = this.notes;
    const exporter = this.exporter;
    const now = cache.now();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item instanceof SeriesHandle) {
        cache.apply(item, this.values[i], this.relative[i] === 1, now);
      } else {
        const note = notes.size > 0 ? notes.get(i) : undefined;
        if (note === undefined) {
          exporter.handleEvent(item);
        } else {
          const before = cache.seriesCount();
          exporter.handleEvent(item);
          cache.remember(note, items, i, cache.seriesCount() !== before);
        }
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
