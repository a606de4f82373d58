// Addresses in statsd_exporter's host:port form, for the listeners and the relay target:
// ":9125", "0.0.0.0:9125", "[::1]:9125", "host:port".

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
