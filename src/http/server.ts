// The HTTP side: /metrics (gzip when asked), a landing page, /-/healthy, /-/ready and, with
// --web.enable-lifecycle, /-/reload and /-/quit (PUT or POST), as statsd_exporter serves them.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import zlib from 'node:zlib';
import type { Logger } from '../core/logger';
import type { HttpRejectReason } from '../telemetry/self-metrics';
import { BasicAuth, BcryptVerifier } from './basic-auth';
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
  logger: Logger;
  version: string;
}

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
}

/**
 * Applies a web config in front of a handler, in the toolkit's order: rate limit (429), then the
 * configured headers (on every response that follows), then basic auth (401 with
 * `WWW-Authenticate: Basic`; 503 when too many password checks are already queued).
 */
export function guardHandler(handler: RequestHandler, security: WebSecurity): { handler: RequestHandler; close: () => void } {
  const { config, onReject } = security;
  const headers = Object.entries(config.headers);
  const auth = config.users.size > 0 ? new BasicAuth(config.users, new BcryptVerifier()) : null;
  const limiter = config.rateLimit ? tokenBucket(config.rateLimit.intervalMs, config.rateLimit.burst) : null;
  const guarded: RequestHandler = (req, res) => {
    if (limiter !== null && !limiter()) {
      onReject('rate_limited');
      return text(res, 429, 'Too Many Requests\n');
    }
    for (const [k, v] of headers) res.setHeader(k, v);
    if (auth === null) return handler(req, res);
    auth.check(req.headers.authorization).then(
      (result) => {
        if (result === 'ok') return handler(req, res);
        if (result === 'busy') {
          onReject('auth_busy');
          res.setHeader('Retry-After', '1');
          return text(res, 503, 'Service Unavailable: too many authentication attempts in progress\n');
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

/** golang.org/x/time/rate's Allow(): `burst` tokens, one more every `intervalMs`, full at start. */
function tokenBucket(intervalMs: number, burst: number): () => boolean {
  let tokens = burst;
  let last = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + (now - last) / intervalMs);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export async function listenHttp(handler: RequestHandler, host: string, port: number, security: WebSecurity | null = null): Promise<http.Server> {
  let server: http.Server;
  if (security === null) server = http.createServer(handler);
  else {
    const guarded = guardHandler(handler, security);
    const tlsConfig = security.config.tls;
    if (tlsConfig === null) server = http.createServer(guarded.handler);
    else {
      server = https.createServer(secureContextOptions(tlsConfig), guarded.handler);
      // Client certificate policies OpenSSL does not enforce itself (see secureContextOptions).
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        const problem = clientCertificateProblem(tlsConfig, socket);
        if (problem === null) return;
        security.onReject('client_cert');
        security.logger.debug('TLS client refused', { remote: socket.remoteAddress, reason: problem });
        socket.destroy();
      });
      server.on('tlsClientError', (err: Error, socket: net.Socket) => {
        security.onReject('tls_handshake');
        security.logger.debug('TLS handshake failed', { remote: socket.remoteAddress, err });
      });
    }
    server.on('close', guarded.close);
  }
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
