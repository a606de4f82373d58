// Listen addresses in statsd_exporter's form: ":9125", "0.0.0.0:9125", "[::1]:9125", "host:port".
import type { Logger } from '../core/logger';

export interface HostPort {
  host: string;
  port: number;
  /** As the user wrote it, for messages. */
  text: string;
}

export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) throw new Error(`invalid address "${text}": want host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid address "${text}": port out of range`);
  const host = m[1] ?? m[2];
  // An empty host listens on every interface, as Go's net package does.
  return { host: host === '' ? '0.0.0.0' : host, port, text };
}

/**
 * Sets SO_RCVBUF and warns when the kernel capped it (Linux reports double the effective size,
 * and caps requests at net.core.rmem_max).
 */
export function applyReadBuffer(
  requested: number,
  set: (n: number) => void,
  get: () => number,
  logger: Logger,
  transport: string,
): void {
  set(requested);
  const effective = get();
  if (effective < requested) {
    logger.warn('socket receive buffer was capped by the kernel', {
      transport,
      requested,
      effective,
      hint: `raise the cap: sysctl -w net.core.rmem_max=${requested}`,
    });
  }
}
