// The HTTP side: /metrics (gzip when asked), a landing page, /-/healthy, /-/ready and, with
// --web.enable-lifecycle, /-/reload and /-/quit (PUT or POST), as statsd_exporter serves them.
// In front of them, in this order: the client allowlist and the connection limits (at accept),
// the header/request timeouts, then the web config (headers, basic auth, rate limit per client).
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type stream from 'node:stream';
import type tls from 'node:tls';
import zlib from 'node:zlib';
import { rateLimited, type Logger } from '../core/logger';
import type { HttpDropReason, HttpRejectReason } from '../telemetry/self-metrics';
import { BasicAuth } from './basic-auth';
import { AddressAllowlist, CidrError, clientKey } from './client-address';
import { ClientRateLimiter } from './rate-limit';
import { negotiateFormat, PROTOBUF_CONTENT_TYPE } from './negotiate';
import { clientCertificateProblem, secureContextOptions, type WebConfig } from './web-config';

export interface HttpServerOptions {
  telemetryPath: string;
  enableLifecycle: boolean;
  /** Renders the full exposition text. */
  metrics: () => Promise<string>;
  /** Renders the protobuf exposition (served when the Accept header asks for it). */
  metricsProtobuf?: () => Promise<Uint8Array>;
  contentType: string;
  reload: () => Promise<void>;
  quit: () => void;
  /** Drops bridged series (all, or one metric name's); returns how many. Served at /-/reset with the lifecycle. */
  reset?: (metric: string | undefined) => number;
  /** What /api/v1/status/cardinality reports: the top metric names by series and their rules. */
  cardinality?: (limit: number) => unknown;
  logger: Logger;
  version: string;
}

/** Where the operator of a cardinality explosion asks what the bridge holds (read-only, behind the web config). */
export const CARDINALITY_PATH = '/api/v1/status/cardinality';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export function createRequestHandler(opts: HttpServerOptions): RequestHandler {
  const landing = landingPage(opts.telemetryPath, opts.version);
  const serveLanding = opts.telemetryPath !== '/' && opts.telemetryPath !== '';
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    if (path === opts.telemetryPath || (opts.telemetryPath === '' && path === '/')) {
      serveMetrics(req, res, opts).catch((err: Error) => {
        opts.logger.error('error gathering metrics', { err });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`An error has occurred while serving metrics:\n\n${err.message}\n`);
      });
      return;
    }
    if (path === '/-/healthy') return text(res, 200, method === 'GET' ? 'Statsd Exporter is Healthy.\n' : '');
    if (path === '/-/ready') return text(res, 200, method === 'GET' ? 'Statsd Exporter is Ready.\n' : '');
    if (opts.enableLifecycle && (path === '/-/reload' || path === '/-/quit')) {
      if (method !== 'PUT' && method !== 'POST') return text(res, 405, 'Only PUT or POST requests allowed\n');
      if (path === '/-/reload') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.write('Requesting reload\n');
        opts.reload().finally(() => res.end());
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Requesting termination... Goodbye!\n', () => opts.quit());
      return;
    }
    if (opts.enableLifecycle && path === '/-/reset' && opts.reset) {
      if (method !== 'PUT' && method !== 'POST') return text(res, 405, 'Only PUT or POST requests allowed\n');
      const metric = new URL(req.url ?? '/', 'http://x').searchParams.get('metric') ?? undefined;
      const removed = opts.reset(metric);
      opts.logger.info('Reset bridged series', { metric: metric ?? '(all)', series: removed });
      return text(res, 200, `Reset ${removed} series${metric === undefined ? '' : ` of ${metric}`}\n`);
    }
    if (path === CARDINALITY_PATH && opts.cardinality) {
      if (method !== 'GET' && method !== 'HEAD') return text(res, 405, 'Only GET requests allowed\n');
      const raw = new URL(req.url ?? '/', 'http://x').searchParams.get('limit');
      const limit = raw === null ? 20 : Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return text(res, 400, 'limit must be an integer from 1 to 10000\n');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: opts.cardinality(limit) }, null, 1) + '\n');
      return;
    }
    if (path === '/' && serveLanding) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(landing);
      return;
    }
    text(res, 404, '404 page not found\n');
  };
}

async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, opts: HttpServerOptions): Promise<void> {
  const protobuf = opts.metricsProtobuf !== undefined && negotiateFormat(req.headers.accept) === 'protobuf';
  const body = protobuf ? await opts.metricsProtobuf!() : await opts.metrics();
  const contentType = protobuf ? PROTOBUF_CONTENT_TYPE : opts.contentType;
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (!acceptsGzip) {
    res.writeHead(200, { 'Content-Type': contentType });
    res.end(body);
    return;
  }
  // Level 1: scrape bodies compress well already, and the CPU goes to ingestion instead.
  const gz = await new Promise<Buffer>((resolve, reject) =>
    zlib.gzip(body, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
  res.end(gz);
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}

function landingPage(metricsPath: string, version: string): string {
  const href = metricsPath.replace(/"/g, '&quot;');
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>StatsD Exporter</title></head>
<body>
<h1>StatsD Exporter</h1>
<p>statsd-bridge ${version}: a StatsD to Prometheus bridge, compatible with statsd_exporter.</p>
<ul>
<li><a href="${href}">Metrics</a></li>
<li><a href="/-/healthy">Health</a></li>
<li><a href="/-/ready">Readiness</a></li>
</ul>
</body>
</html>
`;
}

/** What --web.config.file asks of every endpoint, and where refusals are counted. */
export interface WebSecurity {
  config: WebConfig;
  logger: Logger;
  onReject: (reason: HttpRejectReason) => void;
  /** Monotonic milliseconds, for the rate limit; performance.now() when absent. */
  nowMs?: () => number;
}

/**
 * Applies a web config in front of a handler: the configured headers (on every response that
 * follows), then basic auth (401 with `WWW-Authenticate: Basic`; 429 when this client already
 * has its share of password checks waiting, 503 when all clients together have), then the rate
 * limit per client (429). The toolkit rate-limits first and for all clients together, so an
 * unauthenticated flood gets the real scraper refused; here only authenticated requests count
 * against their own client's bucket.
 */
export function guardHandler(handler: RequestHandler, security: WebSecurity): { handler: RequestHandler; close: () => void } {
  const { config, onReject } = security;
  const headers = Object.entries(config.headers);
  const auth = config.users.size > 0 ? new BasicAuth(config.users) : null;
  const nowMs = security.nowMs ?? (() => performance.now());
  const limiter = config.rateLimit ? new ClientRateLimiter(config.rateLimit.intervalMs, config.rateLimit.burst, nowMs) : null;
  const pass = (req: http.IncomingMessage, res: http.ServerResponse, client: string): void => {
    if (limiter !== null && !limiter.allow(client)) {
      onReject('rate_limited');
      return text(res, 429, 'Too Many Requests\n');
    }
    handler(req, res);
  };
  const guarded: RequestHandler = (req, res) => {
    for (const [k, v] of headers) res.setHeader(k, v);
    const client = clientKey(req.socket.remoteAddress);
    if (auth === null) return pass(req, res, client);
    auth.check(req.headers.authorization, client).then(
      (result) => {
        if (result === 'ok') return pass(req, res, client);
        if (result === 'busy' || result === 'client_busy') {
          onReject(result === 'busy' ? 'auth_busy' : 'auth_client_busy');
          res.setHeader('Retry-After', '1');
          if (result === 'busy') return text(res, 503, 'Service Unavailable: too many authentication attempts in progress\n');
          return text(res, 429, 'Too Many Requests: too many authentication attempts in progress from this address\n');
        }
        onReject('unauthorized');
        res.setHeader('WWW-Authenticate', 'Basic');
        text(res, 401, 'Unauthorized\n');
      },
      (err: Error) => {
        security.logger.error('basic auth check failed', { err });
        text(res, 500, 'Internal Server Error\n');
      },
    );
  };
  return { handler: guarded, close: () => auth?.close() };
}

/** Connection limits and timeouts of the web server, with or without a web config. */
export interface WebLimits {
  /** Connections open at once (--web.max-connections); 0 = no limit. */
  maxConnections: number;
  /** Connections open at once from one client address, an IPv6 /64 counting as one (--web.max-connections-per-client); 0 = no limit. */
  maxConnectionsPerClient: number;
  /** Time to receive a request's headers (--web.header-timeout), also the TLS handshake's; 0 = none. */
  headerTimeoutMs: number;
  /** Time to receive a whole request (--web.request-timeout); 0 = none. */
  requestTimeoutMs: number;
  /** Client addresses allowed to connect (--web.allowed-cidrs); empty = all. */
  allowedCidrs: readonly string[];
}

/** The flags' defaults (src/cli/flags.ts), for tests and embedders. */
export const DEFAULT_WEB_LIMITS: Readonly<WebLimits> = Object.freeze({
  maxConnections: 512,
  maxConnectionsPerClient: 64,
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  allowedCidrs: Object.freeze([]) as readonly string[],
});

/** Node's timers take at most 2^31-1 ms (24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Checks limits before anything listens; the message names the flag. Returns the compiled allowlist. */
export function checkWebLimits(limits: WebLimits): AddressAllowlist {
  for (const [flag, ms] of [['web.header-timeout', limits.headerTimeoutMs], ['web.request-timeout', limits.requestTimeoutMs]] as const) {
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) throw new Error(`invalid value for flag '--${flag}': must be 0 (none) to 596h`);
  }
  if (limits.requestTimeoutMs > 0 && limits.headerTimeoutMs > limits.requestTimeoutMs) {
    throw new Error(`invalid value for flag '--web.header-timeout': must not be longer than --web.request-timeout (${limits.requestTimeoutMs} ms)`);
  }
  for (const [flag, n] of [['web.max-connections', limits.maxConnections], ['web.max-connections-per-client', limits.maxConnectionsPerClient]] as const) {
    if (!Number.isSafeInteger(n) || n < 0 || n > 1_000_000) throw new Error(`invalid value for flag '--${flag}': must be 0 (no limit) to 1000000`);
  }
  try {
    return new AddressAllowlist(limits.allowedCidrs);
  } catch (err) {
    if (err instanceof CidrError) throw new Error(`invalid value for flag '--web.allowed-cidrs': ${err.message}`);
    throw err;
  }
}

export interface ListenHttpOptions {
  host: string;
  port: number;
  /** --web.config.file; null: plain HTTP, no authentication. */
  webConfig: WebConfig | null;
  limits: WebLimits;
  logger: Logger;
  onReject: (reason: HttpRejectReason) => void;
  onDrop: (reason: HttpDropReason) => void;
  /** +1 when a connection is admitted, -1 when it closes. */
  onOpen?: (delta: 1 | -1) => void;
  nowMs?: () => number;
}

const CLIENT_ERROR_RESPONSES: Partial<Record<HttpDropReason, string>> = {
  request_timeout: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
  headers_too_large: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
  bad_request: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
};

export async function listenHttp(handler: RequestHandler, opts: ListenHttpOptions): Promise<http.Server> {
  const { limits, logger, webConfig } = opts;
  const allowlist = checkWebLimits(limits);
  const nowMs = opts.nowMs ?? (() => performance.now());
  // Node checks the header and request timeouts on a timer (30 s by default): tighten it to
  // a quarter of the shortest timeout so a connection goes soon after its time is up.
  const timeouts = [limits.headerTimeoutMs, limits.requestTimeoutMs].filter((t) => t > 0);
  const serverOptions: http.ServerOptions = {
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: timeouts.length > 0 ? Math.max(10, Math.min(1000, Math.floor(Math.min(...timeouts) / 4))) : 30_000,
  };
  let server: http.Server;
  let guarded: { handler: RequestHandler; close: () => void } | null = null;
  const security: WebSecurity | null = webConfig && { config: webConfig, logger, onReject: opts.onReject, nowMs };
  if (security === null) server = http.createServer(serverOptions, handler);
  else {
    guarded = guardHandler(handler, security);
    const tlsConfig = security.config.tls;
    if (tlsConfig === null) server = http.createServer(serverOptions, guarded.handler);
    else {
      server = https.createServer(
        { ...serverOptions, ...secureContextOptions(tlsConfig), ...(limits.headerTimeoutMs > 0 ? { handshakeTimeout: limits.headerTimeoutMs } : {}) },
        guarded.handler,
      );
      // Client certificate policies OpenSSL does not enforce itself (see secureContextOptions).
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        const problem = clientCertificateProblem(tlsConfig, socket);
        if (problem === null) return;
        security.onReject('client_cert');
        logger.debug('TLS client refused', { remote: socket.remoteAddress, reason: problem });
        socket.destroy();
      });
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
        // A handshake past --web.header-timeout is the TLS form of slow headers.
        if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return drop('request_timeout', socket.remoteAddress);
        security.onReject('tls_handshake');
        logger.debug('TLS handshake failed', { remote: socket.remoteAddress, err });
      });
    }
  }
  if (guarded !== null) server.on('close', guarded.close);

  // One warning per reason per 10 s, with how many were suppressed.
  const warnings = new Map<HttpDropReason, ReturnType<typeof rateLimited>>();
  const drop = (reason: HttpDropReason, remote: string | undefined, fields: Record<string, string | number> = {}): void => {
    opts.onDrop(reason);
    let warn = warnings.get(reason);
    if (warn === undefined) {
      warn = rateLimited((m, f) => logger.warn(m, f), { perInterval: 1, intervalMs: 10_000, nowMs });
      warnings.set(reason, warn);
    }
    warn('web connection closed by a limit', { reason, remote: remote ?? '', ...fields });
  };

  // Destroyed before Node's TLS or HTTP listener sees any data: no tlsClientError follows.
  const refuse = (socket: net.Socket, reason: HttpDropReason, limit?: number): void => {
    drop(reason, socket.remoteAddress, limit === undefined ? {} : { limit });
    socket.destroy();
  };
  const connections = new ClientConnections();
  // Runs before Node's own connection listener: a refused socket never reaches the HTTP parser
  // or the TLS handshake, and holds its descriptor for no longer than this call.
  server.prependListener('connection', (socket: net.Socket) => {
    const remote = socket.remoteAddress;
    if (!allowlist.allows(remote)) return refuse(socket, 'not_allowed');
    const client = clientKey(remote);
    const held = connections.count(client);
    if (limits.maxConnectionsPerClient > 0 && held >= limits.maxConnectionsPerClient) {
      return refuse(socket, 'max_connections_per_client', limits.maxConnectionsPerClient);
    }
    if (limits.maxConnections > 0 && connections.total >= limits.maxConnections) {
      // Full: a client holding fewer connections than the biggest holder takes that holder's
      // oldest one, so many connections from a few addresses (slow headers, say) cannot keep
      // out a client with one; otherwise the newcomer is refused.
      const victim = connections.oldestOfBiggestHolder(held + 1);
      if (victim === null) return refuse(socket, 'max_connections', limits.maxConnections);
      connections.remove(victim);
      opts.onOpen?.(-1);
      refuse(victim, 'max_connections', limits.maxConnections);
    }
    connections.add(client, socket);
    opts.onOpen?.(1);
    socket.once('close', () => {
      if (connections.remove(socket)) opts.onOpen?.(-1);
    });
  });
  // Header/request timeouts and malformed requests: answered as Node would, then counted.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: stream.Duplex) => {
    const code = err.code ?? '';
    const reason: HttpDropReason | null =
      code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : code.startsWith('HPE_') ? 'bad_request' : null;
    if (reason !== null) {
      const s = socket as net.Socket & { _httpMessage?: { headersSent?: boolean } };
      if (s.writable && !(s._httpMessage?.headersSent ?? false)) s.write(CLIENT_ERROR_RESPONSES[reason]!);
      drop(reason, s.remoteAddress, reason === 'request_timeout' ? { header_timeout_ms: limits.headerTimeoutMs, request_timeout_ms: limits.requestTimeoutMs } : {});
    }
    socket.destroy();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Open connections by client, oldest first, for the connection limits. */
class ClientConnections {
  private readonly byClient = new Map<string, Set<net.Socket>>();
  private readonly clientOf = new Map<net.Socket, string>();

  get total(): number {
    return this.clientOf.size;
  }

  count(client: string): number {
    return this.byClient.get(client)?.size ?? 0;
  }

  add(client: string, socket: net.Socket): void {
    let set = this.byClient.get(client);
    if (set === undefined) this.byClient.set(client, (set = new Set()));
    set.add(socket);
    this.clientOf.set(socket, client);
  }

  /** False when the socket was not (or no longer) counted. */
  remove(socket: net.Socket): boolean {
    const client = this.clientOf.get(socket);
    if (client === undefined) return false;
    this.clientOf.delete(socket);
    const set = this.byClient.get(client)!;
    set.delete(socket);
    if (set.size === 0) this.byClient.delete(client);
    return true;
  }

  /** The oldest connection of the client holding the most, if it holds more than `moreThan`. */
  oldestOfBiggestHolder(moreThan: number): net.Socket | null {
    let biggest: Set<net.Socket> | null = null;
    for (const set of this.byClient.values()) if (biggest === null || set.size > biggest.size) biggest = set;
    if (biggest === null || biggest.size <= moreThan) return null;
    return biggest.values().next().value as net.Socket;
  }
}
