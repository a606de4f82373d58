// The daemon's settings, one field per statsd_exporter flag. The composition roots (bridge.ts,
// pipeline.ts) read it and hand each stage only the options it needs; no stage imports it.
// The defaults stay with the flags (src/cli/flags.ts: FLAGS, defaultConfig()), which state
// them once in statsd_exporter's syntax for both parsing and --help.
import type { LogFormat, LogLevel } from './core/logger';

export interface BridgeConfig {
  webListenAddress: string;
  webTelemetryPath: string;
  webEnableLifecycle: boolean;
  webConfigFile: string;
  // Web server limits (issue 10) and client allowlist (issue 12): src/http/server.ts WebLimits.
  webMaxConnections: number;
  webMaxConnectionsPerClient: number;
  webHeaderTimeoutMs: number;
  webRequestTimeoutMs: number;
  webAllowedCidrs: string[];
  listenUdp: string;
  listenTcp: string;
  listenUnixgram: string;
  unixSocketMode: string;
  mappingConfig: string[];
  /** Checks the mapping files this often and reloads on changed content; 0 = off. */
  mappingAutoReloadIntervalMs: number;
  readBuffer: number;
  cacheSize: number;
  cacheType: 'lru' | 'random';
  eventQueueSize: number;
  eventFlushThreshold: number;
  eventFlushIntervalMs: number;
  udpPacketQueueSize: number;
  parseDogstatsdTags: boolean;
  parseInfluxdbTags: boolean;
  parseLibratoTags: boolean;
  parseSignalfxTags: boolean;
  enableSets: boolean;
  setMaxValues: number;
  /** Relay targets (host:port), one Relay each; empty = no relay. */
  relayAddress: string[];
  relayPacketLength: number;
  tcpMaxLineLength: number;
  tcpMaxConnections: number;
  tcpIdleTimeoutMs: number;
  tcpLineTimeoutMs: number;
  maxSeries: number;
  maxSeriesPerMetric: number;
  debugDumpFsm: string;
  checkConfig: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  webDisableExporterMetrics: boolean;
}
