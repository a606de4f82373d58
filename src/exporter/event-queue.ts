// Batches events between the listeners and the exporter, as statsd_exporter's EventQueue does:
// flushed when `flushThreshold` events are pending or every `flushIntervalMs`. In Node the flush
// runs synchronously on the same thread, so the queue never holds more than the threshold:
// that is its bound. The parser appends straight into `pending`, so a batch costs no copy.
import type { StatsdEvent } from '../line/events';
import type { Exporter } from './exporter';

export interface EventQueueOptions {
  flushThreshold: number;
  flushIntervalMs: number;
  onFlush: () => void;
}

export class EventQueue {
  /** Parsers append to this array directly; call `added()` afterwards. */
  readonly pending: StatsdEvent[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly exporter: Exporter,
    private readonly opts: EventQueueOptions,
  ) {}

  start(): void {
    if (this.timer || this.opts.flushIntervalMs <= 0) return;
    this.timer = setInterval(() => this.flush(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /** Flushes when the threshold is reached. */
  added(): void {
    if (this.pending.length >= this.opts.flushThreshold) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    try {
      this.exporter.handleEvents(this.pending);
    } finally {
      this.pending.length = 0;
      this.opts.onFlush();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
