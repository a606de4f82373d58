// Where bytes become events: every transport hands its packets or lines here. Counts lines,
// relays raw lines, parses into the event queue. One instance per bridge, shared by listeners.
import type { LineParser } from '../line/parser';
import type { EventQueue } from '../exporter/event-queue';
import type { SelfMetrics } from '../telemetry/self-metrics';

export interface LineRelay {
  relayLine(line: string): void;
}

export class Ingest {
  private readonly onLine: ((line: string) => void) | undefined;

  constructor(
    private readonly parser: LineParser,
    private readonly queue: EventQueue,
    private readonly metrics: SelfMetrics,
    relay: LineRelay | null,
  ) {
    // Decided once: without a relay the parser gets no per-line callback at all.
    this.onLine = relay ? (line: string) => relay.relayLine(line) : undefined;
  }

  /** A datagram (UDP or unixgram): lines split on '\n' only, as upstream. */
  packet(packet: Buffer): void {
    const lines = this.parser.parsePacket(packet, this.queue.pending, this.onLine);
    this.metrics.linesReceived.inc(lines);
    this.queue.added();
  }

  /** One line of a TCP stream, without its terminator. */
  line(line: Buffer): void {
    this.metrics.linesReceived.inc();
    if (this.onLine && line.length > 0) this.onLine(line.toString('utf8'));
    this.parser.parseLineBuffer(line, this.queue.pending);
    this.queue.added();
  }
}
