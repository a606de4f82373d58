// Command-line flags with statsd_exporter's names, defaults and kingpin's syntax:
// `--flag=value`, `--flag value`, `--bool`, `--no-bool`, `--bool=false`. Each flag is declared
// once in FLAGS; parsing, validation and --help all read that table.
import { LOG_LEVELS } from '../core/logger';
import type { BridgeConfig } from '../config';
import { parseGoDuration } from '../core/duration';

type Kind = 'string' | 'bool' | 'int' | 'duration' | 'enum' | 'strings';
interface FlagSpec {
  name: string;
  key: keyof BridgeConfig;
  kind: Kind;
  default: string | boolean | number | string[];
  help: string;
  values?: readonly string[];
  /**
   * Range of an int (the number) or a duration (in ms). Ints default to [0, MAX_SAFE_INTEGER],
   * durations to [0, MAX_TIMER_MS]: a value outside is refused with a one-line error naming the
   * flag, never silently clamped or wrapped.
   */
  min?: number;
  max?: number;
  /** Why the maximum is what it is, appended to the error ("JavaScript's Map holds at most 2^24 entries"). */
  maxReason?: string;
  /** Why the minimum is what it is. */
  minReason?: string;
}

/**
 * Node's timers hold a signed 32-bit count of milliseconds (2^31-1 ms = 596h31m23.647s); a longer
 * delay becomes 1 ms with a warning (a 1000h flush interval would flush every millisecond).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A JavaScript Map or Set holds at most 2^24 entries (V8), so a cache or set cap above that is a crash, not a cap. */
const MAX_MAP_ENTRIES = 2 ** 24;
const MAP_REASON = "a JavaScript Map holds at most 2^24 entries";
/** setsockopt(SO_RCVBUF) takes a C int. */
const MAX_C_INT = 2 ** 31 - 1;
/** The largest UDP payload (IPv4: 65,535 - 8 - 20). */
const MAX_UDP_PAYLOAD = 65_507;

export const FLAGS: readonly FlagSpec[] = [
  { name: 'web.listen-address', key: 'webListenAddress', kind: 'string', default: ':9102', help: 'The address on which to expose the web interface and generated Prometheus metrics.' },
  { name: 'web.telemetry-path', key: 'webTelemetryPath', kind: 'string', default: '/metrics', help: 'Path under which to expose metrics.' },
  { name: 'web.enable-lifecycle', key: 'webEnableLifecycle', kind: 'bool', default: false, help: 'Enable shutdown and reload via HTTP request.' },
  { name: 'web.config.file', key: 'webConfigFile', kind: 'string', default: '', help: 'Path to a web configuration file (exporter-toolkit format) enabling TLS and basic auth.' },
  // Web server limits and allowlist (docs/security.md "HTTP: connections, timeouts, allowlist").
  { name: 'web.max-connections', key: 'webMaxConnections', kind: 'int', default: 512, help: 'Most web connections open at once; more are closed at accept and counted in statsd_bridge_http_connections_dropped_total{reason="max_connections"}. 0 = no limit.' },
  { name: 'web.max-connections-per-client', key: 'webMaxConnectionsPerClient', kind: 'int', default: 64, help: 'Most web connections open at once from one client address (an IPv6 /64 counts as one); more are closed at accept (reason="max_connections_per_client"). 0 = no limit.' },
  { name: 'web.header-timeout', key: 'webHeaderTimeoutMs', kind: 'duration', default: '10s', help: 'Close a web connection whose request headers (or TLS handshake) took longer than this (reason="request_timeout"). 0 = none.' },
  { name: 'web.request-timeout', key: 'webRequestTimeoutMs', kind: 'duration', default: '30s', help: 'Close a web connection whose whole request took longer than this to arrive (reason="request_timeout"). 0 = none.' },
  { name: 'web.allowed-cidrs', key: 'webAllowedCidrs', kind: 'strings', default: [], help: 'Only accept web connections from these client addresses (CIDR or address, IPv4 or IPv6; repeatable, or comma-separated), before TLS and auth; others are closed at accept (reason="not_allowed"). Default: all.' },
  { name: 'statsd.listen-udp', key: 'listenUdp', kind: 'string', default: ':9125', help: 'The UDP address on which to receive statsd metric lines. "" disables it.' },
  { name: 'statsd.listen-tcp', key: 'listenTcp', kind: 'string', default: ':9125', help: 'The TCP address on which to receive statsd metric lines. "" disables it.' },
  { name: 'statsd.listen-unixgram', key: 'listenUnixgram', kind: 'string', default: '', help: 'The Unixgram socket path to receive statsd metric lines in datagram. "" disables it.' },
  { name: 'statsd.unixsocket-mode', key: 'unixSocketMode', kind: 'string', default: '755', help: 'The permission mode of the unix socket.' },
  { name: 'statsd.mapping-config', key: 'mappingConfig', kind: 'strings', default: [], help: 'Metric mapping configuration file name. Repeat to load several files, applied in order.' },
  { name: 'statsd.mapping-config.auto-reload-interval', key: 'mappingAutoReloadIntervalMs', kind: 'duration', default: '0s', help: 'How often to check the mapping files for changed content and reload them as SIGHUP does (a bad version keeps the old mapping). 0 = off.' },
  { name: 'statsd.read-buffer', key: 'readBuffer', kind: 'int', default: 0, max: MAX_C_INT, maxReason: 'SO_RCVBUF is a C int', help: 'Size (in bytes) of the operating system\'s transmit read buffer associated with the UDP or Unixgram connection. Please make sure the kernel parameters net.core.rmem_max is set to a value greater than the value specified.' },
  { name: 'statsd.cache-size', key: 'cacheSize', kind: 'int', default: 1000, max: MAX_MAP_ENTRIES, maxReason: MAP_REASON, help: 'Maximum size of your metric mapping cache. Relies on least recently used replacement policy if max size is reached.' },
  { name: 'statsd.cache-type', key: 'cacheType', kind: 'enum', values: ['lru', 'random'], default: 'lru', help: 'Metric mapping cache type. Valid options are "lru" and "random"' },
  { name: 'statsd.event-queue-size', key: 'eventQueueSize', kind: 'int', default: 10000, help: 'Size of internal queue for processing events.' },
  { name: 'statsd.event-flush-threshold', key: 'eventFlushThreshold', kind: 'int', default: 1000, help: 'Number of events to hold in queue before flushing.' },
  { name: 'statsd.event-flush-interval', key: 'eventFlushIntervalMs', kind: 'duration', default: '200ms', min: 1, minReason: 'statsd_exporter panics at start on 0; a timer runs at most every 1ms', help: 'Maximum time between event queue flushes.' },
  { name: 'statsd.udp-packet-queue-size', key: 'udpPacketQueueSize', kind: 'int', default: 10000, help: 'Size of internal queue for processing UDP packets.' },
  { name: 'statsd.parse-dogstatsd-tags', key: 'parseDogstatsdTags', kind: 'bool', default: true, help: 'Parse DogStatsd style tags. Enabled by default.' },
  { name: 'statsd.parse-influxdb-tags', key: 'parseInfluxdbTags', kind: 'bool', default: true, help: 'Parse InfluxDB style tags. Enabled by default.' },
  { name: 'statsd.parse-librato-tags', key: 'parseLibratoTags', kind: 'bool', default: true, help: 'Parse Librato style tags. Enabled by default.' },
  { name: 'statsd.parse-signalfx-tags', key: 'parseSignalfxTags', kind: 'bool', default: true, help: 'Parse SignalFX style tags. Enabled by default.' },
  { name: 'statsd.enable-sets', key: 'enableSets', kind: 'bool', default: false, help: 'Accept StatsD sets (name:member|s): each series is a gauge of the distinct members seen since the previous scrape. Off, sets are rejected as statsd_exporter does.' },
  { name: 'statsd.set-max-values', key: 'setMaxValues', kind: 'int', default: 100_000, max: MAX_MAP_ENTRIES, maxReason: MAP_REASON, help: 'Most distinct members one set series holds between scrapes; more are counted in statsd_bridge_set_values_dropped_total. 0 = no limit.' },
  { name: 'statsd.relay.address', key: 'relayAddress', kind: 'strings', default: [], help: 'The UDP relay target address (host:port). Repeat to relay to several targets, each with its own queue and drop counter.' },
  { name: 'statsd.relay.packet-length', key: 'relayPacketLength', kind: 'int', default: 1400, min: 1, max: MAX_UDP_PAYLOAD, maxReason: 'the largest UDP payload', help: 'Maximum relay output packet length to avoid fragmentation' },
  { name: 'statsd.tcp-max-line-length', key: 'tcpMaxLineLength', kind: 'int', default: 4096, min: 1, max: 1 << 30, maxReason: 'a line is held in one buffer', help: 'TCP line buffer, in bytes, as Go\'s bufio reader: a line of this length or more (counting a trailing \\r) is counted and skipped, the connection stays open.' },
  { name: 'statsd.tcp-max-connections', key: 'tcpMaxConnections', kind: 'int', default: 1024, help: 'Most TCP connections open at once; a connection beyond it is closed at once and counted in statsd_bridge_tcp_connections_dropped_total{reason="max_connections"}. 0 = no limit.' },
  { name: 'statsd.tcp-idle-timeout', key: 'tcpIdleTimeoutMs', kind: 'duration', default: '5m', help: 'Close a TCP connection that sent nothing for this long (counted in statsd_bridge_tcp_connections_dropped_total{reason="idle_timeout"}). 0 = never.' },
  { name: 'statsd.tcp-line-timeout', key: 'tcpLineTimeoutMs', kind: 'duration', default: '10s', help: 'Close a TCP connection whose line is not completed within this long of its first byte (the first line: of connecting); the cut line is dropped and the close counted in statsd_bridge_tcp_connections_dropped_total{reason="line_timeout"}. Stops slow clients holding connection slots. 0 = no limit.' },
  { name: 'statsd.max-series', key: 'maxSeries', kind: 'int', default: 1_000_000, help: 'Most series held in total; samples that would create more are dropped and counted in statsd_bridge_series_dropped_total. 0 = no limit.' },
  { name: 'statsd.max-series-per-metric', key: 'maxSeriesPerMetric', kind: 'int', default: 100_000, max: MAX_MAP_ENTRIES, maxReason: MAP_REASON, help: 'Most series held under one metric name; past it new label sets are dropped and counted. 0 = no limit.' },
  { name: 'debug.dump-fsm', key: 'debugDumpFsm', kind: 'string', default: '', help: 'The path to dump internal FSM generated for glob matching as Dot file.' },
  { name: 'check-config', key: 'checkConfig', kind: 'bool', default: false, help: 'Check configuration and exit.' },
  { name: 'log.level', key: 'logLevel', kind: 'enum', values: LOG_LEVELS, default: 'info', help: 'Only log messages with the given severity or above. One of: [debug, info, warn, error]' },
  { name: 'log.format', key: 'logFormat', kind: 'enum', values: ['logfmt', 'json'], default: 'logfmt', help: 'Output format of log messages. One of: [logfmt, json]' },
  { name: 'web.disable-exporter-metrics', key: 'webDisableExporterMetrics', kind: 'bool', default: false, help: 'Leave the nodejs_* and process_* runtime metrics out of the metrics endpoint (the statsd_exporter_* ones stay).' },
];

export type ParsedArgs = { kind: 'run'; config: BridgeConfig } | { kind: 'help' } | { kind: 'version' };

export class FlagError extends Error {}

export function defaultConfig(): BridgeConfig {
  const cfg = {} as Record<string, unknown>;
  for (const f of FLAGS) cfg[f.key] = convert(f, Array.isArray(f.default) ? [] : String(f.default));
  return cfg as unknown as BridgeConfig;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  const byName = new Map(FLAGS.map((f) => [f.name, f]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (!arg.startsWith('--')) {
      throw new FlagError(arg.startsWith('-') ? `unknown short flag '${arg}', try --help` : `unexpected ${arg}, try --help`);
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-')) {
      const positive = byName.get(name.slice(3));
      if (positive && positive.kind === 'bool' && value === undefined) {
        spec = positive;
        name = positive.name;
        value = 'false';
      }
    }
    if (!spec) throw new FlagError(`unknown long flag '--${name}', try --help`);
    if (value === undefined) {
      if (spec.kind === 'bool') value = 'true';
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new FlagError(`expected argument for flag '--${name}'`);
    }
    const converted = convert(spec, value);
    if (spec.kind === 'strings') (cfg[spec.key] as string[]).push(...(converted as string[]));
    else cfg[spec.key] = converted;
  }
  return { kind: 'run', config: cfg as unknown as BridgeConfig };
}

function convert(spec: FlagSpec, value: string | string[]): unknown {
  if (Array.isArray(value)) return value;
  switch (spec.kind) {
    case 'string':
      return value;
    case 'strings':
      return value === '' ? [] : [value];
    case 'bool':
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new FlagError(`invalid value "${value}" for flag '--${spec.name}': want true or false`);
    case 'int': {
      if (!/^[-+]?\d+$/.test(value)) throw invalid(spec, value, 'want an integer');
      const n = Number(value);
      checkRange(spec, value, n, String);
      return n;
    }
    case 'duration': {
      const ms = parseGoDuration(value);
      if (ms === null) throw invalid(spec, value, 'want a duration such as 200ms or 1s');
      checkRange(spec, value, ms, formatMs);
      return ms;
    }
    case 'enum':
      if (!spec.values!.includes(value)) {
        throw new FlagError(`invalid value "${value}" for flag '--${spec.name}': want one of ${spec.values!.join(', ')}`);
      }
      return value;
  }
}

function invalid(spec: FlagSpec, value: string, why: string): FlagError {
  return new FlagError(`invalid value "${value}" for flag '--${spec.name}': ${why}`);
}

/** Refuses a value outside the flag's range (see FlagSpec.min/max). */
function checkRange(spec: FlagSpec, value: string, n: number, show: (n: number) => string): void {
  const min = spec.min ?? 0;
  const max = spec.max ?? (spec.kind === 'duration' ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER);
  if (n < 0 && min >= 0) throw invalid(spec, value, 'must not be negative');
  if (n < min) throw invalid(spec, value, `must be at least ${show(min)}${spec.minReason ? ` (${spec.minReason})` : ''}`);
  if (n > max) {
    const reason = spec.maxReason ?? (spec.kind === 'duration' ? "Node's timer limit" : 'the largest exact integer');
    throw invalid(spec, value, `must be at most ${show(max)} (${reason})`);
  }
}

/** Milliseconds as a Go duration, e.g. 596h31m23.647s, 1ms. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  if (h === 0 && m === 0 && rest < 1000) return `${+rest.toFixed(6)}ms`;
  const sec = +(rest / 1000).toFixed(9);
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${sec}s`;
}

export function helpText(program: string): string {
  const lines = [`usage: ${program} [<flags>]`, '', 'StatsD to Prometheus bridge, a drop-in replacement for statsd_exporter.', '', 'Flags:'];
  lines.push('  -h, --help                 Show context-sensitive help.');
  for (const f of FLAGS) {
    const name = f.kind === 'bool' ? `--[no-]${f.name}` : `--${f.name}=${f.kind === 'duration' ? 'DURATION' : 'VALUE'}`;
    const def = Array.isArray(f.default) ? '' : ` (default: ${JSON.stringify(f.default)})`;
    lines.push(`      ${name}`, `          ${f.help}${def}`);
  }
  lines.push('      --version                Show application version.', '');
  lines.push(
    'Commands:',
    `  ${program} mapping explain [--statsd.mapping-config=FILE]... [--output=text|json] [LINE...]`,
    '          Show which rule each StatsD line matches and the series it becomes (lines from stdin when none are given).',
    `  ${program} mapping test FILE...`,
    '          Run mapping unit tests (YAML: lines in, expected series out). Exit 1 when a test fails.',
    '',
  );
  return lines.join('\n');
}
