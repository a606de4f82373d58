// HTTP instrumentation for Express 4/5: a middleware, and a way to install the same logic
// into an unmodified app by patching the express module when it is loaded.
//
// Timing runs from the start of request handling to the response's 'finish' (or 'close' when
// the client went away first). The route label is the matched route *template*
// (`req.baseUrl + route.path`), captured when Express dispatches the route, never the URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmitterCore } from './core';
import { methodLabel, statusClass } from './labels';
import type { SseOutcome, StatusClass, WebsocketOutcome } from './names';
import { wrapMethod, type AnyFn } from './wrap';

const HTTP_CTX = Symbol.for('statsd-bridge.emitter.http');
const ABORT_FRAME = '"type":"abort"';
/** What anything-llm's agent WebSocket sends when the agent fails (the user sees an error). */
const WSS_FAILURE_FRAME = '"type":"wssFailure"';
/** express-ws routes an upgrade as a GET of `<path>/.websocket`. */
const WS_ROUTE_SUFFIX = '/.websocket';
const CATCH_ALL = new Set(['*', '/*', '(.*)', '/(.*)', '*splat', '/*splat', '{*splat}', '/{*splat}']);

interface HttpCtx {
  start: number;
  /** The last dispatched route template; null = no route matched (yet). */
  route: string | null;
  sse: boolean;
  sseChecked: boolean;
  /** Content-Type passed straight to writeHead (not visible through getHeader). */
  headContentType: unknown;
  abortFrame: boolean;
  /** res.statusCode when the headers were committed: what the client received. */
  sentStatus: number | null;
  done: boolean;
}

interface WsLike {
  on(event: string, fn: (...a: unknown[]) => void): unknown;
  send: (...a: unknown[]) => unknown;
}

function wsOf(req: IncomingMessage): WsLike | null {
  const ws = (req as unknown as { ws?: unknown }).ws;
  if (ws === null || typeof ws !== 'object') return null;
  const w = ws as Record<string, unknown>;
  return typeof w.on === 'function' && typeof w.send === 'function' ? (ws as WsLike) : null;
}

type Req = IncomingMessage & { baseUrl?: unknown; route?: { path?: unknown } };
type Next = (err?: unknown) => void;

/**
 * The express module (4.x or 5.x): `application` (the app prototype) and `Route`. Typed
 * loosely on purpose: it is inspected at run time, whatever version is loaded.
 */
export type ExpressLike = object;

function routePath(path: unknown): string | null {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return path.toString();
  if (Array.isArray(path)) return path.map((p) => routePath(p) ?? '?').join('|');
  return null;
}

function template(baseUrl: unknown, path: unknown): string | null {
  const p = routePath(path);
  if (p === null) return null;
  if (CATCH_ALL.has(p)) return 'unmatched';
  const base = typeof baseUrl === 'string' ? baseUrl : '';
  const t = base + p;
  return t === '' ? '/' : t;
}

function isSse(contentType: unknown): boolean {
  const ct = Array.isArray(contentType) ? contentType.join(';') : contentType;
  return typeof ct === 'string' && ct.toLowerCase().includes('text/event-stream');
}

/** A header from writeHead's `headers` argument: an object, or a flat [k, v, k, v] array. */
function headerValue(headers: unknown, name: string): unknown {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return headers[i + 1];
    return undefined;
  }
  if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  }
  return undefined;
}

function chunkHas(chunk: unknown, frame: string): boolean {
  if (typeof chunk === 'string') return chunk.includes(frame);
  if (Buffer.isBuffer(chunk)) return chunk.includes(frame);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).includes(frame);
  return false;
}

export class HttpInstrumentation {
  constructor(private readonly core: EmitterCore) {}

  /**
   * Starts tracking a request; returns false when it is already tracked (nested apps,
   * middleware installed twice, or both the middleware and the module patch).
   */
  begin(req: IncomingMessage, res: ServerResponse): boolean {
    const r = req as unknown as Record<symbol, unknown>;
    if (r[HTTP_CTX]) return false;
    const ctx: HttpCtx = {
      start: performance.now(),
      route: null,
      sse: false,
      sseChecked: false,
      headContentType: undefined,
      abortFrame: false,
      sentStatus: null,
      done: false,
    };
    Object.defineProperty(req, HTTP_CTX, { value: ctx, configurable: true });
    const core = this.core;
    const ws = wsOf(req);
    if (ws) {
      this.beginWebSocket(req as Req, res, ws, ctx);
      return true;
    }
    // The status line goes out with the first write (or writeHead): a status set later (a
    // stream that fails after its 200 headers) never reaches the client.
    const commit = (): void => {
      if (ctx.sentStatus === null && !res.headersSent) ctx.sentStatus = res.statusCode;
    };

    const contentType = (): unknown => ctx.headContentType ?? res.getHeader('content-type');
    const sniff = (chunk: unknown): void => {
      try {
        if (!ctx.sseChecked) {
          ctx.sse = isSse(contentType());
          ctx.sseChecked = true; // the first write commits the headers
        }
        if (ctx.sse && !ctx.abortFrame && chunk !== undefined && chunkHas(chunk, ABORT_FRAME)) ctx.abortFrame = true;
      } catch (e) {
        core.bug(e);
      }
    };
    const origWrite = res.write as AnyFn;
    const origEnd = res.end as AnyFn;
    const origWriteHead = res.writeHead as AnyFn;
    res.writeHead = function writeHead(this: unknown, ...args: unknown[]) {
      try {
        const headers = args.find((a, i) => i > 0 && a !== null && typeof a === 'object');
        const ct = headerValue(headers, 'content-type');
        if (ct !== undefined) ctx.headContentType = ct;
      } catch (e) {
        core.bug(e);
      }
      const out = origWriteHead.apply(this, args);
      if (ctx.sentStatus === null) ctx.sentStatus = res.statusCode;
      return out;
    } as typeof res.writeHead;
    res.write = function write(this: unknown, chunk: unknown) {
      commit();
      sniff(chunk);
      // eslint-disable-next-line prefer-rest-params
      return origWrite.apply(this, arguments as unknown as unknown[]);
    } as typeof res.write;
    res.end = function end(this: unknown, chunk: unknown) {
      commit();
      if (typeof chunk !== 'function') sniff(chunk);
      // eslint-disable-next-line prefer-rest-params
      return origEnd.apply(this, arguments as unknown as unknown[]);
    } as typeof res.end;

    const onFinish = (): void => this.done(req as Req, res, ctx, false);
    const onClose = (): void => this.done(req as Req, res, ctx, !res.writableFinished);
    res.once('finish', onFinish);
    res.once('close', onClose);
    return true;
  }

  private done(req: Req, res: ServerResponse, ctx: HttpCtx, closedEarly: boolean): void {
    if (ctx.done) return;
    ctx.done = true;
    try {
      const ms = performance.now() - ctx.start;
      let route = ctx.route;
      if (route === null && req.route) route = template(req.baseUrl, req.route.path);
      const label = this.core.routeLabel(route ?? 'unmatched');
      if (label === null) return;
      const sc: StatusClass = closedEarly && !res.headersSent ? 'aborted' : statusClass(ctx.sentStatus ?? res.statusCode);
      this.core.timing('httpRequestDuration', ms, {
        route: label,
        method: methodLabel(req.method),
        status_class: sc,
      });
      if (!ctx.sseChecked) ctx.sse = isSse(ctx.headContentType ?? res.getHeader('content-type'));
      if (ctx.sse) {
        // An LLM call of this request that failed makes the stream a failure even when the
        // client saw a normal end (the openai-compatible route ends a broken stream cleanly).
        const outcome: SseOutcome = ctx.abortFrame
          ? 'abort'
          : this.core.llmFailed(res)
            ? 'error'
            : closedEarly
              ? 'client_closed'
              : 'success';
        this.core.count('httpSseStreams', 1, { route: label, outcome });
      }
    } catch (e) {
      this.core.bug(e);
    }
  }

  /**
   * An upgraded WebSocket routed through Express (express-ws: `req.ws`, a stand-in response that
   * never finishes): a session, not an HTTP request. Measured from dispatch to the socket's
   * close; `error` when the server sent a failure frame or an LLM call of the session failed.
   */
  private beginWebSocket(req: Req, res: ServerResponse, ws: WsLike, ctx: HttpCtx): void {
    const core = this.core;
    let failureFrame = false;
    const origSend = ws.send;
    ws.send = function send(this: unknown, ...args: unknown[]) {
      try {
        if (!failureFrame && chunkHas(args[0], WSS_FAILURE_FRAME)) failureFrame = true;
      } catch (e) {
        core.bug(e);
      }
      return origSend.apply(this, args);
    };
    ws.on('close', () => {
      if (ctx.done) return;
      ctx.done = true;
      try {
        let route = ctx.route;
        if (route === null && req.route) route = template(req.baseUrl, req.route.path);
        if (route !== null && route.endsWith(WS_ROUTE_SUFFIX)) route = route.slice(0, -WS_ROUTE_SUFFIX.length) || '/';
        const label = core.routeLabel(route ?? 'unmatched');
        if (label === null) return;
        const outcome: WebsocketOutcome = failureFrame || core.llmFailed(res) ? 'error' : 'success';
        core.timing('websocketSessionDuration', performance.now() - ctx.start, { route: label, outcome });
      } catch (e) {
        core.bug(e);
      }
    });
  }

  /** Express middleware form: `app.use(emitter.expressMiddleware())` as the first middleware. */
  middleware(): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
    const core = this.core;
    const http = this;
    return function statsdBridgeHttpMetrics(req, res, next) {
      let tracked = false;
      try {
        tracked = http.begin(req, res);
      } catch (e) {
        core.bug(e);
      }
      if (tracked) core.runWithResponse(res, () => next());
      else next();
    };
  }

  /** Records the route template when Express dispatches a matched route. */
  onDispatch(req: unknown, route: { path?: unknown }): void {
    const ctx = (req as Record<symbol, HttpCtx | undefined> | null)?.[HTTP_CTX];
    if (!ctx) return;
    const t = template((req as Req).baseUrl, route?.path);
    if (t !== null) ctx.route = t;
  }

  /**
   * Patches an express module so every app created *afterwards* is instrumented:
   * `application.handle` (the entry of every request) and `Route.prototype.dispatch`
   * (where the matched route is known). Returns the wrappers in place.
   */
  instrumentExpress(express: ExpressLike): unknown[] {
    const wrappers: unknown[] = [];
    const core = this.core;
    const http = this;
    const mod = express as { application?: unknown; Route?: { prototype?: unknown } } | null;
    const app = mod?.application as { handle?: unknown } | undefined;
    if (app && typeof app === 'object') {
      const r = wrapMethod(app, 'handle', (orig) =>
        function handle(this: unknown, req: IncomingMessage, res: ServerResponse) {
          let tracked = false;
          try {
            tracked = !!req && !!res && typeof res.once === 'function' && http.begin(req, res);
          } catch (e) {
            core.bug(e);
          }
          // eslint-disable-next-line prefer-rest-params
          const args = arguments;
          if (tracked) return core.runWithResponse(res, () => orig.apply(this, args as unknown as unknown[]));
          return orig.apply(this, args as unknown as unknown[]);
        },
      );
      if (r === 'wrapped' || r === 'already') wrappers.push(app.handle);
    }
    const routeProto = mod?.Route?.prototype as { dispatch?: unknown } | undefined;
    if (routeProto && typeof routeProto === 'object') {
      const r = wrapMethod(routeProto, 'dispatch', (orig) =>
        function dispatch(this: { path?: unknown }, req: unknown) {
          try {
            http.onDispatch(req, this);
          } catch (e) {
            core.bug(e);
          }
          // eslint-disable-next-line prefer-rest-params
          return orig.apply(this, arguments as unknown as unknown[]);
        },
      );
      if (r === 'wrapped' || r === 'already') wrappers.push(routeProto.dispatch);
    }
    return wrappers;
  }
}
