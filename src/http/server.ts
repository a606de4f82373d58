// The HTTP side: /metrics (gzip when asked), a landing page, /-/healthy, /-/ready and, with
// --web.enable-lifecycle, /-/reload and /-/quit (PUT or POST), as statsd_exporter serves them.
import http from 'node:http';
import zlib from 'node:zlib';
import type { Logger } from '../core/logger';

export interface HttpServerOptions {
  telemetryPath: string;
  enableLifecycle: boolean;
  /** Renders the full exposition text. */
  metrics: () => Promise<string>;
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
  const body = await opts.metrics();
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (!acceptsGzip) {
    res.writeHead(200, { 'Content-Type': opts.contentType });
    res.end(body);
    return;
  }
  // Level 1: scrape bodies compress well already, and the CPU goes to ingestion instead.
  const gz = await new Promise<Buffer>((resolve, reject) =>
    zlib.gzip(body, { level: 1 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  res.writeHead(200, { 'Content-Type': opts.contentType, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
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

export async function listenHttp(handler: RequestHandler, host: string, port: number): Promise<http.Server> {
  const server = http.createServer(handler);
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
