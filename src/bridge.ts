// The composition root: builds every stage from the config and wires
// packet -> lines -> events -> mapped events -> series -> exposition.
// Nothing here is module-level state; everything a stage needs is passed to it.
import fs from 'node:fs';
import type dgram from 'node:dgram';
import type http from 'node:http';
import type net from 'node:net';
import { Registry } from 'prom-client';
import type { BridgeConfig } from './config';
import type { Clock } from './core/clock';
import type { Logger } from './core/logger';
import { checkWebLimits, createRequestHandler, listenHttp, type WebLimits } from './http/server';
import { loadWebConfig } from './http/web-config';
import { parseHostPort } from './core/address';
import { listenTcp, type TcpListener } from './listener/tcp';
import { listenUdp } from './listener/udp';
import { procUdpDrops, registerUdpKernelDrops } from './listener/kernel-drops';
import { listenUnixgram, type UnixgramListener } from './listener/unixgram';
import { loadMappingFilesAsync } from './mapper/load';
import { createPipeline } from './pipeline';
import { encodeProtobufScrape } from './registry/protobuf';
import { Relay } from './relay/relay';
import { RelayFanout } from './relay/fanout';
import { MappingWatch } from './mapper/watch';
import { createSelfMetrics, type SelfMetrics } from './telemetry/self-metrics';

export interface BridgeDeps {
  config: BridgeConfig;
  logger: Logger;
  clock: Clock;
  version: string;
  revision?: string;
  /** Overrides the one-second TTL sweep; tests drive sweeps with sweepNow() instead. */
  ttlSweepIntervalMs?: number;
  /** Called when /-/quit is requested. */
  onQuit?: () => void;
}

export interface RunningBridge {
  /** Bound addresses, useful when a port was 0. */
  readonly addresses: { http: { host: string; port: number }; udp?: { host: string; port: number }; tcp?: { host: string; port: number } };
  readonly metrics: SelfMetrics;
  /** Reloads the mapping files; resolves true on success. On failure the old mapping stays. */
  reload(): Promise<boolean>;
  /** Renders /metrics. */
  scrape(): Promise<string>;
  /** Renders /metrics in the protobuf format. */
  scrapeProtobuf(): Promise<Uint8Array>;
  /** Runs one TTL sweep now (the daemon runs one every second). */
  sweepNow(): number;
  /** Stops listening, applies what was received, closes the HTTP server. */
  stop(): Promise<void>;
}

/** statsd_exporter sweeps expired series every second. */
const TTL_SWEEP_INTERVAL_MS = 1000;

export async function startBridge(deps: BridgeDeps): Promise<RunningBridge> {
  const { config, logger, clock } = deps;
  if (!config.listenUdp && !config.listenTcp && !config.listenUnixgram) {
    throw new Error('At least one of UDP/TCP/Unixgram listeners must be specified.');
  }
  // Checked before anything listens: a bad web config is fatal at start (exporter-toolkit format).
  const webConfig = config.webConfigFile ? loadWebConfig(config.webConfigFile) : null;
  const webLimits: WebLimits = {
    maxConnections: config.webMaxConnections,
    maxConnectionsPerClient: config.webMaxConnectionsPerClient,
    headerTimeoutMs: config.webHeaderTimeoutMs,
    requestTimeoutMs: config.webRequestTimeoutMs,
    allowedCidrs: config.webAllowedCidrs,
  };
  checkWebLimits(webLimits);

  const selfRegistry = new Registry();
  const metrics = createSelfMetrics({
    registry: selfRegistry,
    version: deps.version,
    revision: deps.revision ?? 'unknown',
    cacheEnabled: config.cacheSize > 0,
    runtimeMetrics: !config.webDisableExporterMetrics,
    setsEnabled: config.enableSets,
    lifecycleEnabled: config.webEnableLifecycle,
  });

  const relays = [...new Set(config.relayAddress)].map(
    (target) => new Relay({ target, packetLength: config.relayPacketLength, registry: selfRegistry, logger }),
  );
  // One target needs no fan-out; the common case stays one call per line.
  const relay = relays.length === 0 ? null : relays.length === 1 ? relays[0] : new RelayFanout(relays);
  const { mapper, series, queue, ingest } = createPipeline({ config, metrics, logger, clock, relay });
  if (config.mappingConfig.length > 0) {
    // A bad file at start is fatal (the caller exits 1), as upstream.
    try {
      mapper.swap(await loadMappingFilesAsync(config.mappingConfig, { logger }));
    } catch (err) {
      relay?.close();
      throw err;
    }
    metrics.loadedMappings.set(mapper.mappings.length);
  }

  const closers: Array<() => Promise<void> | void> = [];
  const addresses: { http: { host: string; port: number }; udp?: { host: string; port: number }; tcp?: { host: string; port: number } } = {
    http: { host: '', port: 0 },
  };
  try {
    if (config.listenUdp) {
      const sock: dgram.Socket = await listenUdp({ address: parseHostPort(config.listenUdp), readBuffer: config.readBuffer, ingest, metrics, logger });
      const a = sock.address();
      addresses.udp = { host: a.address, port: a.port };
      // The kernel's drops for this socket (receive buffer full), read at scrape time.
      registerUdpKernelDrops(selfRegistry, [procUdpDrops({ port: a.port })]);
      closers.push(() => new Promise<void>((r) => sock.close(() => r())));
    }
    if (config.listenTcp) {
      const tcp: TcpListener = await listenTcp({
        address: parseHostPort(config.listenTcp),
        maxLineLength: config.tcpMaxLineLength,
        maxConnections: config.tcpMaxConnections,
        idleTimeoutMs: config.tcpIdleTimeoutMs,
        lineTimeoutMs: config.tcpLineTimeoutMs,
        ingest,
        metrics,
        logger,
      });
      const a = tcp.server.address() as net.AddressInfo;
      addresses.tcp = { host: a.address, port: a.port };
      closers.push(() => tcp.close());
    }
    if (config.listenUnixgram) {
      const ug: UnixgramListener = await listenUnixgram({ path: config.listenUnixgram, socketMode: config.unixSocketMode, ingest, metrics, logger });
      closers.push(() => ug.close());
    }
  } catch (err) {
    for (const close of closers.reverse()) await close();
    throw err;
  }
  queue.start();

  const sweep = setInterval(() => series.sweep(), deps.ttlSweepIntervalMs ?? TTL_SWEEP_INTERVAL_MS);
  sweep.unref();

  let reloading: Promise<boolean> | null = null;
  const reload = async (): Promise<boolean> => {
    if (config.mappingConfig.length === 0) {
      logger.warn('Received reload request but no mapping config to reload');
      return false;
    }
    // Serialise reloads; a reload in progress is joined, not repeated.
    // The new mapping is read and decoded in a worker thread and compiled in slices, so
    // ingestion goes on meanwhile; then it replaces the old one at once.
    reloading ??= (async () => {
      try {
        const next = await loadMappingFilesAsync(config.mappingConfig, { logger });
        // Apply what was parsed under the old mapping before switching rules.
        queue.flush();
        mapper.swap(next);
        series.mappingReloaded();
        metrics.loadedMappings.set(mapper.mappings.length);
        metrics.configReloads.success.inc();
        watch?.markCurrent();
        logger.info('Reloaded mapping config', { files: config.mappingConfig.join(','), mappings: mapper.mappings.length });
        return true;
      } catch (err) {
        metrics.configReloads.failure.inc();
        logger.error('Error reloading config; keeping the previous mapping', { err });
        return false;
      } finally {
        reloading = null;
      }
    })();
    return reloading;
  };

  const watch =
    config.mappingAutoReloadIntervalMs > 0 && config.mappingConfig.length > 0
      ? new MappingWatch({ files: config.mappingConfig, intervalMs: config.mappingAutoReloadIntervalMs, reload: () => reload(), logger })
      : null;

  const contentType = selfRegistry.contentType;
  const scrape = async (): Promise<string> => {
    const [bridged, own] = await Promise.all([series.exposition.metrics(), selfRegistry.metrics()]);
    return bridged.trim() === '' ? own : `${bridged}${own}`;
  };

  const scrapeProtobuf = () => encodeProtobufScrape(series.exposition, selfRegistry);

  const web = parseHostPort(config.webListenAddress);
  let httpServer: http.Server;
  try {
    httpServer = await listenHttp(
      createRequestHandler({
        telemetryPath: config.webTelemetryPath,
        enableLifecycle: config.webEnableLifecycle,
        metrics: scrape,
        metricsProtobuf: scrapeProtobuf,
        contentType,
        reload: async () => void (await reload()),
        quit: () => deps.onQuit?.(),
        reset: (metric) => {
          // Events already parsed belong to the series being dropped: apply them first.
          queue.flush();
          const removed = series.reset(metric);
          metrics.reset(removed);
          return removed;
        },
        cardinality: (limit) => {
          queue.flush();
          return {
            seriesCount: series.seriesCount,
            metricNames: series.familyCount,
            limits: { maxSeries: series.seriesLimits.maxSeries, maxSeriesPerMetric: series.seriesLimits.maxSeriesPerMetric },
            topMetrics: series.topFamilies(limit),
            refused: series.topRefused(limit),
          };
        },
        logger,
        version: deps.version,
      }),
      {
        host: web.host,
        port: web.port,
        webConfig,
        limits: webLimits,
        logger,
        onReject: (reason) => metrics.httpRejected[reason].inc(),
        onDrop: (reason) => metrics.httpDropped[reason].inc(),
        onOpen: (delta) => metrics.httpOpen.inc(delta),
      },
    );
  } catch (err) {
    for (const close of closers.reverse()) await close();
    throw new Error(`failed to listen on HTTP ${config.webListenAddress}: ${(err as Error).message}`);
  }
  const ha = httpServer.address() as net.AddressInfo;
  addresses.http = { host: ha.address, port: ha.port };

  if (config.debugDumpFsm) {
    try {
      fs.writeFileSync(config.debugDumpFsm, mapper.dumpFsm());
    } catch (err) {
      logger.error('Error dumping FSM', { err });
    }
  }

  const fmt = (a?: { host: string; port: number }) => (a ? `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : 'off');
  // Bound addresses (not the flags) so a port of 0 can be discovered from the log.
  logger.info('Listening', {
    udp: fmt(addresses.udp),
    tcp: fmt(addresses.tcp),
    unixgram: config.listenUnixgram || 'off',
    http: fmt(addresses.http),
    metrics_path: config.webTelemetryPath,
    web_tls: webConfig?.tls ? 'on' : 'off',
    web_basic_auth: webConfig && webConfig.users.size > 0 ? 'on' : 'off',
    web_allowed_cidrs: config.webAllowedCidrs.length > 0 ? config.webAllowedCidrs.join(',') : 'all',
  });

  let stopped = false;
  return {
    addresses,
    metrics,
    reload,
    scrape,
    scrapeProtobuf,
    sweepNow: () => series.sweep(),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      watch?.stop();
      for (const close of closers.reverse()) await close();
      queue.stop();
      relay?.close();
      await closeServer(httpServer);
    },
  };
}

function closeServer(server: net.Server | http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as http.Server).closeAllConnections?.();
  });
}
