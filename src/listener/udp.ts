// UDP listener. A receive error is logged and counted, and the socket keeps receiving (upstream's
// reader goroutine returns on the first error and silently ends UDP ingestion).
import dgram from 'node:dgram';
import type { Logger } from '../core/logger';
import type { SelfMetrics } from '../telemetry/self-metrics';
import type { Ingest } from '../ingest/ingest';
import type { HostPort } from '../core/address';
import { applyReadBuffer } from './read-buffer';

export interface UdpListenerOptions {
  address: HostPort;
  readBuffer: number;
  ingest: Ingest;
  metrics: SelfMetrics;
  logger: Logger;
}

export async function listenUdp(opts: UdpListenerOptions): Promise<dgram.Socket> {
  const type = opts.address.host.includes(':') ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type, reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.address.port, opts.address.host, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch((err: Error) => {
    throw new Error(`failed to listen on UDP ${opts.address.text}: ${err.message}`);
  });
  socket.on('error', (err) => {
    opts.metrics.udpPacketDrops.inc();
    opts.logger.error('UDP socket error; still receiving', { err });
  });
  if (opts.readBuffer > 0) applyReadBuffer(opts.readBuffer, (n) => socket.setRecvBufferSize(n), () => socket.getRecvBufferSize(), opts.logger, 'udp');
  const { ingest, metrics } = opts;
  socket.on('message', (msg) => {
    metrics.udpPackets.inc();
    ingest.packet(msg);
  });
  return socket;
}
