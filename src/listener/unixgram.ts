// Unix datagram listener. As upstream: startup fails if the path exists, the socket file is
// chmod'ed to --statsd.unixsocket-mode (a bad mode only warns), and it is removed on close.
//
// Truncation: unix-dgram reads each datagram with one recvmsg() into a 64 KiB (65,536-byte)
// buffer and does not report MSG_TRUNC, so a longer datagram arrives cut to exactly 65,536
// bytes, its last line cut anywhere (`123|c|@0.25` cut to `123|c|@0.` counts 123, not 492). A
// datagram that fills the buffer is therefore dropped whole and counted
// (statsd_bridge_unixgram_truncated_datagrams_total): unixgram datagrams of up to 65,535 bytes are
// read intact, as statsd_exporter's (which reads into 65,535 bytes and parses what was cut).
import fs from 'node:fs';
import os from 'node:os';
import { createSocket, type UnixDgramSocket } from 'unix-dgram';
import type { Logger } from '../core/logger';
import type { SelfMetrics } from '../telemetry/self-metrics';
import type { Ingest } from '../ingest/ingest';

export interface UnixgramListenerOptions {
  path: string;
  socketMode: string;
  ingest: Ingest;
  metrics: SelfMetrics;
  logger: Logger;
}

/** unix-dgram's receive buffer (the `scratch` array in its recvmsg call). */
export const UNIX_DGRAM_READ_SIZE = 65_536;

export interface UnixgramListener {
  close(): void;
}

export async function listenUnixgram(opts: UnixgramListenerOptions): Promise<UnixgramListener> {
  const { path, logger, metrics, ingest } = opts;
  if (fs.existsSync(path)) throw new Error(`unixgram socket "${path}" already exists`);
  const socket: UnixDgramSocket = createSocket('unix_dgram');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('listening', () => {
      socket.off('error', reject);
      resolve();
    });
    socket.bind(path);
  }).catch((err: Error & { code?: unknown }) => {
    try {
      socket.close();
    } catch {
      /* not open */
    }
    // unix-dgram reports a negative errno ("bind -2"): name it.
    const errno = typeof err.code === 'number' ? Object.entries(os.constants.errno).find(([, v]) => v === -(err.code as number))?.[0] : undefined;
    throw new Error(`failed to listen on unixgram socket "${path}": ${errno ? `${err.message.replace(/ -?\d+$/, '')}: ${errno}` : err.message}`);
  });
  socket.on('error', (err) => logger.error('unixgram socket error; still receiving', { err }));
  socket.on('message', (msg) => {
    metrics.unixgramPackets.inc();
    if (msg.length >= UNIX_DGRAM_READ_SIZE) {
      metrics.unixgramTruncated.inc();
      logger.debug('unixgram datagram filled the read buffer (probably truncated), dropped', { bytes: msg.length });
      return;
    }
    ingest.packet(msg);
  });
  // Abstract sockets (leading NUL or '@') have no file to chmod.
  if (!path.startsWith('\0') && !path.startsWith('@')) {
    const mode = /^[0-7]{1,4}$/.test(opts.socketMode) ? parseInt(opts.socketMode, 8) : NaN;
    if (Number.isNaN(mode)) logger.warn('invalid --statsd.unixsocket-mode, socket mode unchanged', { mode: opts.socketMode });
    else {
      try {
        fs.chmodSync(path, mode);
      } catch (err) {
        logger.warn('failed to change unixgram socket mode', { path, err });
      }
    }
  }
  return {
    close() {
      try {
        socket.close();
      } catch {
        /* already closed */
      }
      fs.rmSync(path, { force: true });
    },
  };
}
