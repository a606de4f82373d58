// The mapping workbench's engine: the daemon's own stages (LineParser -> MetricMapper ->
// Exporter -> SeriesRegistry) wired in-process without sockets, with a trace of what happened
// to every line and event. `mapping explain` prints the trace; `mapping test` renders the
// registry's exposition and compares it with expectations.
import { Registry } from 'prom-client';
import { systemClock } from '../core/clock';
import { silentLogger, type Logger } from '../core/logger';
import { Exporter } from '../exporter/exporter';
import type { EventType, LineTelemetry, SampleErrorReason, StatsdEvent } from '../line/events';
import { LineParser } from '../line/parser';
import { loadMappingFiles } from '../mapper/load';
import { MetricMapper } from '../mapper/mapper';
import type { CompiledMappingConfig, MappingExplanation, MetricMapping, HistogramOptions, SummaryOptions } from '../mapper/types';
import { SeriesRegistry, type SeriesLookup, type SeriesRequest } from '../registry/series-registry';
import type { MetricKind, SeriesMeta, SeriesVector } from '../registry/types';
import { createSelfMetrics } from '../telemetry/self-metrics';
import type { BridgeConfig } from '../config';
import { FLAGS, FlagError, parseArgs } from './flags';

// ---------------------------------------------------------------------------------------
// Command-line arguments: the daemon's flags (same table, same syntax), the command's own
// flags, and positional arguments.

/** A usage error: the mapping commands exit 2 on it. */
export class UsageError extends Error {}

export interface WorkbenchArgs {
  config: BridgeConfig;
  /** Values of the command's own flags, by name (without the leading dashes). */
  local: Map<string, string>;
  positionals: string[];
  help: boolean;
  /** The daemon flags as given, to be combined with more (e.g. a test file's `flags`). */
  daemonArgv: string[];
}

/**
 * Splits argv into daemon flags (parsed by parseArgs, so they mean exactly what they mean to
 * the daemon), the command's own flags (`local`: name -> allowed values, or null for any) and
 * positionals. `--` ends the flags.
 */
export function parseWorkbenchArgs(argv: readonly string[], local: Record<string, readonly string[] | null> = {}): WorkbenchArgs {
  const daemonArgv: string[] = [];
  const localValues = new Map<string, string>();
  const positionals: string[] = [];
  let help = false;
  const specs = new Map(FLAGS.map((f) => [f.name, f]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`unknown short flag '${arg}', try --help`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (Object.prototype.hasOwnProperty.call(local, name)) {
      let value: string;
      if (eq !== -1) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new UsageError(`expected argument for flag '--${name}'`);
      const allowed = local[name];
      if (allowed && !allowed.includes(value)) {
        throw new UsageError(`invalid value "${value}" for flag '--${name}': want one of ${allowed.join(', ')}`);
      }
      localValues.set(name, value);
      continue;
    }
    daemonArgv.push(arg);
    const spec = specs.get(name);
    // A daemon flag that takes a value may have it in the next argument.
    if (eq === -1 && spec && spec.kind !== 'bool' && i + 1 < argv.length) daemonArgv.push(argv[++i]);
  }
  let config: BridgeConfig;
  try {
    const parsed = parseArgs(daemonArgv);
    if (parsed.kind !== 'run') throw new UsageError('--version is not a flag of the mapping commands');
    config = parsed.config;
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  return { config, local: localValues, positionals, help, daemonArgv };
}

// ---------------------------------------------------------------------------------------
// The pipeline

/** Loads the mapping files as the daemon does (file order, one defaults block, `$0` = name). */
export function loadWorkbenchMapping(paths: readonly string[], logger: Logger): CompiledMappingConfig | undefined {
  return paths.length === 0 ? undefined : loadMappingFiles(paths, { logger });
}

export interface ParseProblem {
  reason: SampleErrorReason;
  detail: string;
}

/** What became of one event. */
export interface EventTrace {
  event: StatsdEvent;
  /** The type the mapping was looked up with (a set is looked up as a gauge). */
  lookupType: EventType;
  /** The matching rule and captures; null when no rule matched. */
  match: MappingExplanation | null;
  /**
   * mapped / unmapped: a series was updated (with or without a rule); dropped: `action: drop`;
   * rejected: the exporter refused the event (`reason` says why).
   */
  outcome: 'mapped' | 'unmapped' | 'dropped' | 'rejected';
  reason?: string;
  /** The series the event updated (mapped / unmapped only). */
  series?: {
    kind: MetricKind;
    /** The TYPE on /metrics (a set is a gauge). */
    type: 'counter' | 'gauge' | 'histogram' | 'summary';
    name: string;
    labels: Record<string, string>;
    help: string;
    ttlMs: number;
    /** The value applied (after scaling), or the set member. */
    value: number | string;
    relative: boolean;
    histogram?: HistogramOptions;
    summary?: SummaryOptions;
  };
}

export interface LineTrace {
  line: string;
  events: EventTrace[];
  /** Samples of the line that were rejected by the parser. */
  parseErrors: ParseProblem[];
  /** Tags that could not be parsed (the sample itself was kept). */
  tagErrors: string[];
}

export interface WorkbenchOptions {
  config: BridgeConfig;
  mapping: CompiledMappingConfig | undefined;
  logger?: Logger;
}

/** Records the registry requests the exporter makes, and the value applied to the series. */
class TracingRegistry extends SeriesRegistry {
  last: { req: SeriesRequest; res: SeriesLookup; value?: number | string; relative?: boolean } | null = null;

  override lookup(req: SeriesRequest): SeriesLookup {
    const res = super.lookup(req);
    const record: { req: SeriesRequest; res: SeriesLookup; value?: number | string; relative?: boolean } = { req, res };
    this.last = record;
    if (!res.ok) return res;
    const vector = res.vector as SeriesVector & { add?: (s: SeriesMeta, member: string) => boolean };
    // A view of the vector that notes what is applied, then applies it.
    const view = Object.create(vector) as typeof vector;
    view.update = (s: SeriesMeta, value: number, relative: boolean) => {
      record.value = value;
      record.relative = relative;
      vector.update(s, value, relative);
    };
    if (vector.add) {
      view.add = (s: SeriesMeta, member: string) => {
        record.value = member;
        return vector.add!(s, member);
      };
    }
    return { ok: true, vector: view, series: res.series };
  }
}

/**
 * One in-process bridge without sockets. Lines go through the real parser, mapper, exporter
 * and series registry; the registry state carries over from line to line, as in the daemon.
 */
export class Workbench {
  private readonly parser: LineParser;
  private readonly mapper: MetricMapper;
  private readonly exporter: Exporter;
  private readonly registry: TracingRegistry;
  private problems: { parse: ParseProblem[]; tags: string[] } = { parse: [], tags: [] };

  constructor(opts: WorkbenchOptions) {
    const { config } = opts;
    const logger = opts.logger ?? silentLogger;
    const telemetry: LineTelemetry = {
      sample() {},
      tagsPresent() {},
      sampleError: (reason, _line, detail) => this.problems.parse.push({ reason, detail }),
      tagError: (_line, detail) => this.problems.tags.push(detail),
    };
    this.parser = new LineParser(
      { dogstatsd: config.parseDogstatsdTags, influxdb: config.parseInfluxdbTags, librato: config.parseLibratoTags, signalfx: config.parseSignalfxTags },
      telemetry,
      { sets: config.enableSets },
    );
    // Without a cache: the workbench looks every name up afresh.
    this.mapper = new MetricMapper({ config: opts.mapping, cache: null });
    // The daemon's own metrics are built (unexported) so that their names are reserved as in
    // the daemon; the runtime metrics are not started, their prefixes are reserved instead.
    const metrics = createSelfMetrics({
      registry: new Registry(),
      version: 'workbench',
      revision: 'workbench',
      cacheEnabled: config.cacheSize > 0,
      runtimeMetrics: false,
      setsEnabled: config.enableSets,
    });
    const runtime = !config.webDisableExporterMetrics;
    this.registry = new TracingRegistry(
      systemClock,
      {
        vectorCreated() {},
        isReservedName: (name) => metrics.isReservedName(name) || (runtime && /^(nodejs|process)_/.test(name)),
        seriesDropped() {},
        setValueDropped() {},
      },
      { maxSeries: config.maxSeries, maxSeriesPerMetric: config.maxSeriesPerMetric, maxSetValues: config.setMaxValues },
    );
    this.exporter = new Exporter({ mapper: this.mapper, registry: this.registry, metrics, logger });
  }

  /** Parses one line and applies its events; returns what happened to each. */
  processLine(line: string): LineTrace {
    this.problems = { parse: [], tags: [] };
    const events: StatsdEvent[] = [];
    this.parser.parseLine(line, events);
    const trace: LineTrace = { line, events: [], parseErrors: this.problems.parse, tagErrors: this.problems.tags };
    for (const event of events) trace.events.push(this.processEvent(event));
    return trace;
  }

  private processEvent(event: StatsdEvent): EventTrace {
    const lookupType: EventType = event.type === 'set' ? 'gauge' : event.type;
    const match = this.mapper.explain(event.name, lookupType);
    this.registry.last = null;
    this.exporter.handleEvent(event);
    const rec = this.registry.last as TracingRegistry['last'];
    const mapping: MetricMapping | undefined = match?.result.mapping;
    const trace: EventTrace = { event, lookupType, match, outcome: match ? 'mapped' : 'unmapped' };
    if (mapping && mapping.action === 'drop') {
      trace.outcome = 'dropped';
      return trace;
    }
    if (rec === null) {
      trace.outcome = 'rejected';
      trace.reason = this.whyRejected(event, match);
      return trace;
    }
    if (!rec.res.ok) {
      trace.outcome = 'rejected';
      trace.reason = rec.res.reason === 'conflict' ? `conflict: ${rec.res.error}` : `series limit (${rec.res.reason}) reached`;
      return trace;
    }
    const { req } = rec;
    const kind = req.kind;
    const options = req.options();
    trace.series = {
      kind,
      type: kind === 'set' ? 'gauge' : kind,
      name: req.name,
      labels: { ...req.labels },
      help: req.help,
      ttlMs: req.ttlMs,
      value: rec.value ?? NaN,
      relative: rec.relative ?? false,
      ...(kind === 'histogram' ? { histogram: options.histogram } : {}),
      ...(kind === 'summary' ? { summary: options.summary } : {}),
    };
    return trace;
  }

  /** Why the exporter applied nothing although the rule maps: the exporter's checks, in order. */
  private whyRejected(event: StatsdEvent, match: MappingExplanation | null): string {
    if (match && match.result.name === '') return 'empty_metric_name: the name template rendered as ""';
    if (event.type === 'counter') {
      const scale = match?.result.mapping.scale;
      const v = scale == null ? event.value : event.value * scale;
      if (v < 0) return `illegal_negative_counter: a counter cannot go down (value ${v})`;
    }
    if (event.type === 'observer') return 'non_finite_summary_value: a summary cannot observe NaN or ±Inf';
    return 'not applied';
  }

  /** The bridged series in the text format, as /metrics renders them (without self-metrics). */
  async exposition(): Promise<string> {
    return this.registry.exposition.metrics();
  }
}

// ---------------------------------------------------------------------------------------
// Formatting helpers shared by the commands

/** Milliseconds as a Go duration (10m0s -> "10m", 90000 -> "1m30s"); 0 -> "0s". */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const units: [string, number][] = [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${+rest.toFixed(3)}ms`;
  return out;
}
