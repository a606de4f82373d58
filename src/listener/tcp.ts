// TCP listener: newline-framed lines ("\r\n" accepted). A line longer than the limit is counted
// and skipped, and the connection stays open (upstream closes it). A final line without a
// newline is processed when the client closes.
import net from 'node:net';
import type { Logger } from '../core/logger';
import type { SelfMetrics } from '../telemetry/self-metrics';
import type { Ingest } from './ingest';
import type { HostPort } from './address';

export interface TcpListenerOptions {
  address: HostPort;
  maxLineLength: number;
  ingest: Ingest;
  metrics: SelfMetrics;
  logger: Logger;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export async function listenTcp(opts: TcpListenerOptions): Promise<net.Server> {
  const server = net.createServer((conn) => handleConnection(conn, opts));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.address.port, opts.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: Error) => {
    throw new Error(`failed to listen on TCP ${opts.address.text}: ${err.message}`);
  });
  server.on('error', (err) => opts.logger.error('TCP server error', { err }));
  return server;
}

function handleConnection(conn: net.Socket, opts: TcpListenerOptions): void {
  const { ingest, metrics, logger, maxLineLength } = opts;
  metrics.tcpConnections.inc();
  let carry: Buffer | null = null;
  let skipping = false; // inside an over-long line, dropping bytes until the next newline

  const emit = (line: Buffer): void => {
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    ingest.line(end === line.length ? line : line.subarray(0, end));
  };

  conn.on('data', (chunk: Buffer) => {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      if (skipping) skipping = false;
      else if (carry) {
        const line = Buffer.concat([carry, chunk.subarray(start, nl)]);
        carry = null;
        if (line.length > maxLineLength) tooLong();
        else emit(line);
      } else if (nl - start > maxLineLength) tooLong();
      else emit(chunk.subarray(start, nl));
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length && !skipping) {
      const rest = chunk.subarray(start);
      // Copy: the chunk's memory is reused by the stream after this callback.
      carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
      if (carry.length > maxLineLength) {
        carry = null;
        skipping = true;
        tooLong();
      }
    }
  });
  conn.on('end', () => {
    // At EOF there is no '\n', so a trailing '\r' stays in the line (as Go's ReadLine leaves it).
    if (carry && carry.length > 0) ingest.line(carry);
    carry = null;
  });
  conn.on('error', (err) => {
    metrics.tcpErrors.inc();
    logger.debug('error reading from TCP connection', { err, remote: conn.remoteAddress });
  });

  function tooLong(): void {
    metrics.tcpLineTooLong.inc();
    logger.debug('TCP line too long, discarded', { remote: conn.remoteAddress, limit: maxLineLength });
  }
}
