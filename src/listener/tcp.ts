// TCP listener: newline-framed lines ("\r\n" accepted). A line that does not fit the limit is
// counted and skipped, and the connection stays open (upstream closes it). The limit is Go's
// bufio.Reader size (4096 upstream), whose buffer must also hold the '\n': a line of `limit`
// bytes or more, counting a '\r', is too long (4095 bytes + "\n" fit, 4096 + "\n" and
// 4095 + "\r\n" do not; at EOF, 4095 bytes fit). A final line without a
// newline is processed when the client closes.
//
// Limits (upstream has none): at most `maxConnections` connections are open at once (a new one
// beyond that is closed at accept and counted), and a connection that sends nothing for
// `idleTimeoutMs` is closed and counted (its unfinished line is processed, as at EOF). A partial
// line is held as a list of chunks, so a client dribbling bytes costs O(bytes), never a copy of
// the line per chunk, and never more than maxLineLength bytes per connection.
//
// Slow clients: a line must be completed within `lineTimeoutMs` of its first byte (the first
// line: of the accept), else the connection is closed and counted (reason "line_timeout"), its
// cut line dropped. This bounds how long a dribbling or silent client holds one of the
// `maxConnections` slots without ever completing a line, while a client that sends whole lines
// and then stays quiet keeps its connection until the idle timeout. A deadline per line (rather
// than a minimum byte rate) needs no rate estimate, and real StatsD clients write whole lines.
import net from 'node:net';
import type { Logger } from '../core/logger';
import type { SelfMetrics } from '../telemetry/self-metrics';
import type { Ingest } from '../ingest/ingest';
import type { HostPort } from '../core/address';

export interface TcpListenerOptions {
  address: HostPort;
  maxLineLength: number;
  ingest: Ingest;
  metrics: SelfMetrics;
  logger: Logger;
  /** Most connections open at once (0 = no limit). */
  maxConnections?: number;
  /** Close a connection idle for this long, in ms (0 = never). */
  idleTimeoutMs?: number;
  /**
   * A line must end within this long of its first byte, and the first line within this long of
   * the connection's accept, in ms (0 = no limit). Else the connection is closed and its partial
   * line dropped: a client dribbling bytes is never idle, so the idle timeout alone lets 1,024
   * connections at 1 byte/s hold every slot (slowloris).
   */
  lineTimeoutMs?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export interface TcpListener {
  readonly server: net.Server;
  /**
   * Stops accepting, processes each connection's unfinished line (as at EOF) and closes every
   * connection: a client that keeps its connection open must not hold up shutdown.
   */
  close(): Promise<void>;
}

export async function listenTcp(opts: TcpListenerOptions): Promise<TcpListener> {
  /** Open connections, each with the function that flushes its unfinished line. */
  const open = new Map<net.Socket, () => void>();
  const server = net.createServer((conn) => handleConnection(conn, opts, open));
  // Node closes a connection accepted beyond maxConnections right away and emits 'drop'.
  if (opts.maxConnections && opts.maxConnections > 0) server.maxConnections = opts.maxConnections;
  server.on('drop', () => {
    opts.metrics.tcpDropped.max_connections.inc();
    opts.logger.debug('TCP connection refused: too many open connections', { limit: opts.maxConnections });
  });
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
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const [conn, finishLine] of open) {
          finishLine();
          conn.destroy();
        }
        open.clear();
      }),
  };
}

function handleConnection(conn: net.Socket, opts: TcpListenerOptions, open: Map<net.Socket, () => void>): void {
  const { ingest, metrics, logger, maxLineLength } = opts;
  metrics.tcpConnections.inc();
  metrics.tcpOpen.inc();
  conn.once('close', () => metrics.tcpOpen.dec());
  // The unfinished line: chunks (copied) and their total length.
  let carry: Buffer[] = [];
  let carryLength = 0;
  let skipping = false; // inside an over-long line, dropping bytes until the next newline

  const emit = (line: Buffer): void => {
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    ingest.line(end === line.length ? line : line.subarray(0, end));
  };

  // The deadline of the line in progress (armed at accept for the first line).
  const lineTimeoutMs = opts.lineTimeoutMs ?? 0;
  let lineDeadline: NodeJS.Timeout | null = null;
  const onLineTimeout = (): void => {
    lineDeadline = null;
    metrics.tcpDropped.line_timeout.inc();
    logger.debug('TCP line not completed in time, closing', { remote: conn.remoteAddress, timeout_ms: lineTimeoutMs });
    // The client is still mid-line: what it sent is cut, so it is dropped, not parsed.
    carry = [];
    carryLength = 0;
    skipping = false;
    open.delete(conn);
    conn.destroy();
  };
  if (lineTimeoutMs > 0) lineDeadline = setTimeout(onLineTimeout, lineTimeoutMs);
  conn.once('close', () => {
    if (lineDeadline) clearTimeout(lineDeadline);
    lineDeadline = null;
  });

  conn.on('data', (chunk: Buffer) => {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    if (lineTimeoutMs > 0 && nl !== -1 && lineDeadline) {
      // The line in progress ends in this chunk.
      clearTimeout(lineDeadline);
      lineDeadline = null;
    }
    while (nl !== -1) {
      if (skipping) skipping = false;
      else if (carryLength > 0) {
        const length = carryLength + nl - start;
        carry.push(chunk.subarray(start, nl));
        const parts = carry;
        carry = [];
        carryLength = 0;
        if (length >= maxLineLength) tooLong();
        else emit(Buffer.concat(parts, length));
      } else if (nl - start >= maxLineLength) tooLong();
      else emit(chunk.subarray(start, nl));
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length && !skipping) {
      const restLength = chunk.length - start;
      if (carryLength + restLength >= maxLineLength) {
        carry = [];
        carryLength = 0;
        skipping = true;
        tooLong();
      } else {
        // Copy: keeping a view would pin the chunk's whole allocation.
        carry.push(Buffer.from(chunk.subarray(start)));
        carryLength += restLength;
      }
    }
    // A line is now in progress (its first byte came in this chunk, unless the deadline runs).
    if (lineTimeoutMs > 0 && lineDeadline === null && (carryLength > 0 || skipping)) lineDeadline = setTimeout(onLineTimeout, lineTimeoutMs);
  });
  const finishLine = (): void => {
    // At EOF there is no '\n', so a trailing '\r' stays in the line (as Go's ReadLine leaves it).
    if (carryLength > 0) ingest.line(carry.length === 1 ? carry[0] : Buffer.concat(carry, carryLength));
    carry = [];
    carryLength = 0;
  };
  conn.on('end', finishLine);
  open.set(conn, finishLine);
  conn.once('close', () => open.delete(conn));
  const idleTimeoutMs = opts.idleTimeoutMs ?? 0;
  if (idleTimeoutMs > 0) {
    conn.setTimeout(idleTimeoutMs);
    conn.on('timeout', () => {
      metrics.tcpDropped.idle_timeout.inc();
      logger.debug('TCP connection idle, closing', { remote: conn.remoteAddress, timeout_ms: idleTimeoutMs });
      // The client will never finish its line on this connection: treat the close like EOF.
      finishLine();
      conn.destroy();
    });
  }
  conn.on('error', (err) => {
    metrics.tcpErrors.inc();
    logger.debug('error reading from TCP connection', { err, remote: conn.remoteAddress });
  });

  function tooLong(): void {
    metrics.tcpLineTooLong.inc();
    logger.debug('TCP line too long, discarded', { remote: conn.remoteAddress, limit: maxLineLength });
  }
}
