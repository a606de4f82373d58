// `statsd-bridge mapping explain [flags] [LINE...]`: what the daemon would do with StatsD lines.
// For every event of every line: the rule that matched (file, index, match), its captures, and
// the series it updates (escaped name, labels after honor_labels, type, options), or why
// nothing is exported (no rule: the escaped StatsD name is used; action: drop; a parse error;
// an exporter check). Lines come from the arguments, or from stdin one at a time.
//
// Exit codes: 0 when the lines were explained (whatever the outcome), 1 when a mapping file
// cannot be read or is invalid, 2 on a usage error.
import readline from 'node:readline';
import { createLogger } from '../core/logger';
import type { StatsdEvent } from '../line/events';
import { formatSeries, formatValue } from './exposition';
import { UsageError, Workbench, formatDurationMs, loadWorkbenchMapping, parseWorkbenchArgs, type EventTrace, type LineTrace } from './workbench';

export interface MappingCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: NodeJS.ReadableStream;
}

export const EXPLAIN_USAGE = `usage: statsd-bridge mapping explain [--statsd.mapping-config=FILE]... [--output=text|json] [<daemon flags>] [LINE...]

Shows which mapping rule each StatsD line matches and the series it becomes, as the daemon
would (the real line parser, mapper and exporter; no sockets). Without LINE arguments, lines
are read from stdin and explained one at a time.

  --statsd.mapping-config=FILE  A mapping file; repeat for several, applied in order.
  --output=text|json            Human-readable text (default), or one JSON object per line.
  <daemon flags>                Any daemon flag; --statsd.parse-*-tags and
                                --statsd.enable-sets change how lines are parsed.

Exit status: 0 when the lines were explained (unmatched and unparsable lines included),
1 when a mapping file is unreadable or invalid, 2 on a usage error.
`;

/** Runs the command; resolves to the exit code. */
export async function runMappingExplain(argv: readonly string[], io: MappingCommandIo): Promise<number> {
  let args;
  try {
    args = parseWorkbenchArgs(argv, { output: ['text', 'json'] });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`statsd-bridge mapping explain: error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    io.stdout(EXPLAIN_USAGE);
    return 0;
  }
  const { config } = args;
  const json = args.local.get('output') === 'json';
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, write: (l) => io.stderr(l + '\n') });

  let mapping;
  try {
    mapping = loadWorkbenchMapping(config.mappingConfig, logger);
  } catch (err) {
    io.stderr(`statsd-bridge mapping explain: error: ${(err as Error).message}\n`);
    return 1;
  }
  const bench = new Workbench({ config, mapping, logger });
  const explain = (line: string): void => {
    const trace = bench.processLine(line);
    io.stdout(json ? JSON.stringify(traceToJson(trace)) + '\n' : formatTrace(trace));
  };

  if (args.positionals.length > 0) {
    for (const line of args.positionals) explain(line);
    return 0;
  }
  const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  for await (const raw of rl) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    explain(line);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// JSON

export function traceToJson(trace: LineTrace): Record<string, unknown> {
  return {
    line: trace.line,
    events: trace.events.map(eventToJson),
    parse_errors: trace.parseErrors,
    tag_errors: trace.tagErrors,
  };
}

function eventToJson(t: EventTrace): Record<string, unknown> {
  const e = t.event;
  const out: Record<string, unknown> = {
    statsd: {
      name: e.name,
      type: e.type,
      value: typeof e.value === 'number' ? jsonNumber(e.value) : e.value,
      ...(e.type === 'gauge' ? { relative: e.relative } : {}),
      tags: e.labels,
    },
    lookup_type: t.lookupType,
    outcome: t.outcome,
  };
  if (t.match) {
    const m = t.match.result.mapping;
    out.rule = {
      file: m.source,
      index: m.index,
      match: m.match,
      match_type: m.matchType,
      match_metric_type: m.matchMetricType,
      name: m.name,
      action: m.action,
    };
    out.captures = t.match.captures;
    out.templated_name = t.match.result.name;
  } else {
    out.rule = null;
  }
  if (t.reason !== undefined) out.reason = t.reason;
  const s = t.series;
  if (s) {
    out.metric = {
      name: s.name,
      type: s.type,
      ...(s.kind === 'set' ? { statsd_set: true } : {}),
      labels: s.labels,
      help: s.help,
      value: typeof s.value === 'number' ? jsonNumber(s.value) : s.value,
      ...(s.type === 'gauge' && s.kind !== 'set' ? { relative: s.relative } : {}),
    };
    const mapping = t.match?.result.mapping;
    const options: Record<string, unknown> = { ttl: formatDurationMs(s.ttlMs) };
    if (mapping) {
      options.scale = mapping.scale;
      options.honor_labels = mapping.honorLabels;
    }
    if (s.histogram) {
      options.buckets = s.histogram.buckets;
      options.native_histogram_bucket_factor = s.histogram.nativeHistogramBucketFactor;
      options.native_histogram_max_buckets = s.histogram.nativeHistogramMaxBuckets;
    }
    if (s.summary) {
      options.quantiles = s.summary.quantiles;
      options.max_age = formatDurationMs(s.summary.maxAgeSeconds * 1000);
      options.age_buckets = s.summary.ageBuckets;
      options.buf_cap = s.summary.bufCap;
    }
    out.options = options;
  }
  return out;
}

/** JSON has no NaN or infinities: they are written as strings. */
function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : formatValue(v);
}

// ---------------------------------------------------------------------------------------
// Text

function describeEvent(e: StatsdEvent): string {
  const tags = Object.keys(e.labels).length > 0 ? ` ${formatSeries('tags', e.labels).slice(4)}` : '';
  switch (e.type) {
    case 'counter':
      return `counter ${e.name} ${formatValue(e.value)}${tags}`;
    case 'gauge':
      return `gauge ${e.name} ${e.relative ? (e.value < 0 ? '' : '+') : '='}${formatValue(e.value)}${tags}`;
    case 'observer':
      return `observer ${e.name} ${formatValue(e.value)}${tags}`;
    case 'set':
      return `set ${e.name} member ${JSON.stringify(e.value)}${tags}`;
  }
}

export function formatTrace(trace: LineTrace): string {
  const out: string[] = [`> ${trace.line}`];
  for (const p of trace.parseErrors) {
    const hint = p.detail === 'no support for StatsD sets' ? ' (statsd-bridge counts them with --statsd.enable-sets)' : '';
    out.push(`  parse error: ${p.reason}: ${p.detail}${hint}`);
  }
  for (const t of trace.tagErrors) out.push(`  tag error (tag ignored): ${t}`);
  if (trace.events.length === 0 && trace.parseErrors.length === 0) out.push('  no events');
  for (const t of trace.events) {
    out.push(`  ${describeEvent(t.event)}`);
    if (t.match) {
      const m = t.match.result.mapping;
      const only = m.matchMetricType ? `, ${m.matchMetricType} only` : '';
      const asGauge = t.event.type === 'set' ? ' (the set is looked up as a gauge)' : '';
      out.push(`    rule      ${m.source} mappings[${m.index}] match ${JSON.stringify(m.match)} (${m.matchType}${only})${asGauge}`);
      if (t.match.captures.length > 0) {
        const caps = t.match.captures.map((c) => `${c.name}${c.group ? `(${c.group})` : ''}=${JSON.stringify(c.value)}`);
        out.push(`    captures  ${caps.join(' ')}`);
      }
    } else {
      out.push(`    rule      none matched: the StatsD name is used, escaped`);
    }
    if (t.outcome === 'dropped') {
      out.push('    result    dropped (action: drop)');
      continue;
    }
    if (t.outcome === 'rejected') {
      out.push(`    result    not exported: ${t.reason}`);
      continue;
    }
    const s = t.series!;
    let update: string;
    if (s.kind === 'set') update = `add member ${JSON.stringify(s.value)} (gauge of distinct members per scrape)`;
    else if (s.kind === 'counter') update = `+= ${formatValue(s.value as number)}`;
    else if (s.kind === 'gauge') update = s.relative ? `+= ${formatValue(s.value as number)}` : `= ${formatValue(s.value as number)}`;
    else update = `observe ${formatValue(s.value as number)}`;
    out.push(`    series    ${s.type} ${formatSeries(s.name, s.labels)} ${update}`);
    const opts: string[] = [];
    const mapping = t.match?.result.mapping;
    if (s.histogram) {
      // The native histogram settings are in the JSON output; /metrics (text) has classic buckets only.
      opts.push(`buckets=[${s.histogram.buckets.join(', ')}]`);
    }
    if (s.summary) {
      opts.push(`quantiles=[${s.summary.quantiles.map((q) => `${q.quantile}:${q.error}`).join(', ')}]`);
      if (s.summary.maxAgeSeconds > 0) opts.push(`max_age=${formatDurationMs(s.summary.maxAgeSeconds * 1000)}`);
      if (s.summary.ageBuckets > 0) opts.push(`age_buckets=${s.summary.ageBuckets}`);
      if (s.summary.bufCap > 0) opts.push(`buf_cap=${s.summary.bufCap}`);
    }
    opts.push(`ttl=${s.ttlMs > 0 ? formatDurationMs(s.ttlMs) : 'none'}`);
    if (mapping) {
      if (mapping.scale !== null) opts.push(`scale=${mapping.scale}`);
      if (mapping.honorLabels) opts.push('honor_labels=true');
      opts.push('action=map');
    }
    out.push(`    options   ${opts.join(' ')}`);
    out.push(`    help      ${s.help}`);
  }
  return out.join('\n') + '\n';
}
