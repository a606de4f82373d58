// Lossless senders for tests that count every line: TCP streams (backpressure-aware), unixgram
// datagrams (waits out EAGAIN "congestion" instead of dropping), and UDP datagrams paced in
// windows so loopback never overflows the receive buffer.
import dgram from 'node:dgram';
import net from 'node:net';

/** Writes `chunks` on one TCP connection, honouring backpressure, then closes it and waits. */
export function sendTcpStream(port: number, chunks: readonly Buffer[], host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, host);
    c.on('error', reject);
    c.on('close', () => resolve());
    c.on('connect', async () => {
      for (const chunk of chunks) {
        if (!c.write(chunk)) await new Promise<void>((r) => c.once('drain', () => r()));
      }
      c.end();
    });
  });
}

type UnixDgram = typeof import('unix-dgram');

/** Sends datagrams to a unixgram socket; on congestion (EAGAIN) waits for 'writable' and retries. */
export async function sendUnixgram(path: string, packets: readonly Buffer[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const unix = require('unix-dgram') as UnixDgram;
  const sock = unix.createSocket('unix_dgram');
  sock.on('error', () => {});
  // Connected, so 'writable' means the receiver's queue has room again.
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
    sock.connect(path);
  });
  try {
    for (const p of packets) {
      for (;;) {
        const err = await new Promise<Error | undefined>((resolve) => sock.send(p, (e?: Error) => resolve(e)));
        if (!err) break;
        if ((err as Error & { code?: unknown }).code !== 1) throw err; // 1 = congestion
        await new Promise<void>((r) => sock.once('writable', () => r()));
      }
    }
  } finally {
    sock.close();
  }
}

/**
 * Sends UDP datagrams in windows: after each window, waits until `received()` (e.g. the
 * daemon's statsd_exporter_udp_packets_total) has caught up, so nothing queues up in the
 * kernel. Returns the number sent.
 */
export async function sendUdpPaced(
  port: number,
  packets: readonly Buffer[],
  received: () => Promise<number>,
  opts: { windowBytes?: number; baseline?: number } = {},
): Promise<number> {
  const windowBytes = opts.windowBytes ?? 96 * 1024;
  const baseline = opts.baseline ?? 0;
  const sock = dgram.createSocket('udp4');
  let sent = 0;
  try {
    let inWindow = 0;
    for (const p of packets) {
      if (inWindow > 0 && inWindow + p.length > windowBytes) {
        await waitFor(async () => (await received()) - baseline >= sent, `UDP packets received to reach ${sent}`);
        inWindow = 0;
      }
      await new Promise<void>((resolve, reject) => sock.send(p, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      sent++;
      inWindow += p.length;
    }
  } finally {
    sock.close();
  }
  return sent;
}

/** Polls `cond` until it holds (no timing assertion: only a generous cap on attempts). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, attempts = 600, everyMs = 25): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A TCP connection to the daemon on loopback, once connected. */
export function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => resolve(c));
    c.on('error', reject);
  });
}

/** Resolves when the socket is closed (at once if it already is). */
export function closed(c: net.Socket): Promise<void> {
  return new Promise((resolve) => (c.destroyed ? resolve() : c.once('close', () => resolve())));
}
