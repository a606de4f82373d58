// Forwards raw lines to another StatsD server over UDP, as statsd_exporter's pkg/relay does:
// lines are packed into datagrams of at most `packetLength` bytes and flushed at least every
// second. Unlike upstream, nothing here can block ingestion: sends are fire-and-forget with a
// bound on sends in flight, and a failed send is counted and forgotten (upstream's relay stops
// for good after one error).
import dgram from 'node:dgram';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../core/logger';
import { parseHostPort } from '../core/address';

export interface RelayOptions {
  target: string;
  packetLength: number;
  registry: Registry;
  logger: Logger;
  /** Sends allowed in flight before further packets are dropped (counted). */
  maxInFlight?: number;
  flushIntervalMs?: number;
}

export class Relay {
  private readonly socket: dgram.Socket;
  private readonly host: string;
  private readonly port: number;
  private buffer = '';
  private bufferBytes = 0;
  private inFlight = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly packets: { inc(): void };
  private readonly longLines: { inc(): void };
  private readonly lines: { inc(): void };
  private readonly drops: { inc(): void };
  private readonly maxInFlight: number;

  constructor(private readonly opts: RelayOptions) {
    const addr = parseHostPort(opts.target);
    this.host = addr.host;
    this.port = addr.port;
    this.socket = dgram.createSocket(addr.host.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('error', (err) => opts.logger.warn('relay socket error', { target: opts.target, err }));
    this.socket.unref();
    this.maxInFlight = opts.maxInFlight ?? 1024;
    const target = { target: opts.target };
    const counter = (name: string, help: string, labelNames = ['target']) =>
      (opts.registry.getSingleMetric(name) as Counter<string> | undefined) ??
      new Counter({ name, help, labelNames, registers: [opts.registry] });
    const bind = (c: Counter<string>, labels: Record<string, string>) => {
      c.inc(labels, 0);
      return { inc: () => c.inc(labels) };
    };
    this.packets = bind(counter('statsd_exporter_relay_packets_total', 'The number of StatsD packets relayed.'), target);
    this.longLines = bind(counter('statsd_exporter_relay_long_lines_total', 'The number lines that were too long to relay.'), target);
    this.lines = bind(counter('statsd_exporter_relay_lines_relayed_total', 'The number of lines that were buffered to be relayed.'), target);
    this.drops = bind(
      counter('statsd_bridge_relay_dropped_packets_total', 'Relay packets dropped because the send failed or too many sends were in flight.'),
      target,
    );
    this.timer = setInterval(() => this.flush(), opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  relayLine(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (bytes > this.opts.packetLength - 1) {
      this.longLines.inc();
      this.opts.logger.debug('line too long to relay', { target: this.opts.target, length: bytes });
      return;
    }
    // Each line travels with its '\n'; flush first if it would not fit.
    if (this.bufferBytes + bytes + 1 > this.opts.packetLength) this.flush();
    this.buffer += line + '\n';
    this.bufferBytes += bytes + 1;
    this.lines.inc();
  }

  flush(): void {
    if (this.bufferBytes === 0) return;
    const payload = Buffer.from(this.buffer);
    this.buffer = '';
    this.bufferBytes = 0;
    if (this.inFlight >= this.maxInFlight) {
      this.drops.inc();
      return;
    }
    this.inFlight++;
    this.socket.send(payload, this.port, this.host, (err) => {
      this.inFlight--;
      if (err) {
        this.drops.inc();
        this.opts.logger.debug('relay send failed', { target: this.opts.target, err });
      } else this.packets.inc();
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    // Let queued sends go out before the socket closes.
    setImmediate(() => this.socket.close());
  }
}
