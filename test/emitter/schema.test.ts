// Fails when the emitter's StatsD names, mapping/anything-llm.yml and docs/metrics.md disagree.
// The emitter is driven (hot-shots mock mode) through every code path; each line is parsed by
// the daemon's line parser and mapped by the daemon's mapper exactly as the bridge would, and
// the resulting metric name, type, labels and label values are checked against the docs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../src/core/logger';
import type { LineTelemetry, StatsdEvent } from '../../src/line/events';
import { LineParser } from '../../src/line/parser';
import { compileMappingConfig, DEFAULT_HELP } from '../../src/mapper/config';
import { MetricMapper } from '../../src/mapper/mapper';
import type { CompiledMappingConfig, MappingResult } from '../../src/mapper/types';
import { CLOSED_LABEL_VALUES, DEFAULT_PREFIX, METRICS, type MetricKey } from '../../src/emitter/names';
import { driveAllCodePaths } from './drive';
import { REPO } from './helpers';

const MAPPING_FILE = path.join(REPO, 'mapping', 'anything-llm.yml');
const DOC_FILE = path.join(REPO, 'docs', 'metrics.md');

// ---- docs/metrics.md tables ---------------------------------------------------------------

function tableRows(md: string, marker: string): string[][] {
  const begin = md.indexOf(`<!-- ${marker}:begin -->`);
  const end = md.indexOf(`<!-- ${marker}:end -->`);
  if (begin < 0 || end < begin) throw new Error(`docs/metrics.md: table markers "${marker}" not found`);
  const rows = md
    .slice(begin, end)
    .split('\n')
    .filter((l) => l.trim().startsWith('|'))
    .map((l) =>
      l
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|')),
    );
  return rows.slice(2); // header + separator
}

const unquote = (c: string): string => c.replace(/^`|`$/g, '');
const list = (c: string): string[] => (c === '-' || c === '' ? [] : c.split(',').map((x) => unquote(x.trim())));

interface DocMetric {
  metric: string;
  type: 'histogram' | 'counter' | 'gauge';
  labels: string[];
  statsdName: string;
  statsdType: string;
  buckets: number[] | null;
}

interface DocLabel {
  values: string[] | null; // null = a value class
  cls: string | null;
}

function readDocs(): { metrics: Map<string, DocMetric>; labels: Map<string, Map<string, DocLabel>>; classes: string[] } {
  const md = fs.readFileSync(DOC_FILE, 'utf8');
  const metrics = new Map<string, DocMetric>();
  for (const r of tableRows(md, 'metrics-table')) {
    expect(r).toHaveLength(7);
    const [metric, type, labels, statsdName, statsdType, buckets] = r as [string, string, string, string, string, string];
    const m: DocMetric = {
      metric: unquote(metric),
      type: type as DocMetric['type'],
      labels: list(labels),
      statsdName: unquote(statsdName),
      statsdType,
      buckets: buckets === '-' ? null : buckets.split(',').map((b) => Number(b.trim())),
    };
    expect(['histogram', 'counter', 'gauge']).toContain(m.type);
    expect(metrics.has(m.metric)).toBe(false);
    metrics.set(m.metric, m);
  }
  const labels = new Map<string, Map<string, DocLabel>>();
  for (const r of tableRows(md, 'label-values')) {
    const [metric, label, values] = r.map(unquote) as [string, string, string];
    const byLabel = labels.get(metric) ?? new Map<string, DocLabel>();
    const vs = list(values);
    const isClass = vs.length === 1 && /^<[a-z_]+>$/.test(vs[0] as string);
    expect(byLabel.has(label)).toBe(false);
    byLabel.set(label, isClass ? { values: null, cls: vs[0] as string } : { values: vs, cls: null });
    labels.set(metric, byLabel);
  }
  const classes = tableRows(md, 'value-classes').map((r) => unquote(r[0] as string));
  return { metrics, labels, classes };
}

/** What the value classes of the docs mean, as checks. */
const CLASS_CHECKS: Record<string, (v: string) => boolean> = {
  '<route>': (v) => v === 'unmatched' || v === 'other' || /^\/\S*$/.test(v),
  '<provider>': (v) => /^[a-z0-9_-]+$/.test(v),
  '<vector_db>': (v) => /^[a-z0-9_-]+$/.test(v),
  '<model>': (v) => v.length > 0 && !/[|,#@\s]/.test(v),
  '<instance>': (v) => /^[a-z0-9_-]{1,63}$/.test(v),
};

/** Label values the driver cannot produce through a real socket. */
const NOT_DRIVEN: Record<string, string[]> = { status_class: ['1xx', 'unknown'] };

// ---- the bridge's view: parser + mapper -------------------------------------------------------

function loadMapping(warnings: string[]): { config: CompiledMappingConfig; mapper: MetricMapper } {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    error: (msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    debugEnabled: false,
  };
  const config = compileMappingConfig(fs.readFileSync(MAPPING_FILE, 'utf8'), { source: MAPPING_FILE, logger });
  return { config, mapper: new MetricMapper({ config, cache: null }) };
}

function parseWithBridgeParser(lines: readonly string[]): { events: StatsdEvent[]; errors: string[] } {
  const errors: string[] = [];
  const telemetry: LineTelemetry = {
    sample() {},
    sampleError: (reason, line, detail) => errors.push(`${reason}: ${detail}: ${line}`),
    tagsPresent() {},
    tagError: (line, detail) => errors.push(`tag error: ${detail}: ${line}`),
  };
  const parser = new LineParser({ dogstatsd: true, influxdb: true, librato: true, signalfx: true }, telemetry);
  const events: StatsdEvent[] = [];
  for (const l of lines) parser.parsePacket(Buffer.from(l, 'utf8'), events);
  return { events, errors };
}

function eventTypeOf(statsdType: string): Exclude<StatsdEvent['type'], 'set'> {
  return statsdType === 'c' ? 'counter' : statsdType === 'g' ? 'gauge' : 'observer';
}

function promType(ev: StatsdEvent, m: MappingResult): string {
  if (ev.type !== 'observer') return ev.type;
  return m.mapping.observerType === 'histogram' ? 'histogram' : 'summary';
}

// ---- tests --------------------------------------------------------------------------------

describe('emitter / mapping / docs schema', () => {
  const docs = readDocs();
  const warnings: string[] = [];
  const { config, mapper } = loadMapping(warnings);

  it('the mapping file loads cleanly', () => {
    expect(warnings).toEqual([]);
    expect(config.mappings.length).toBeGreaterThan(0);
  });

  it("the docs list exactly the emitter's StatsD names, types and tag sets", () => {
    const fromCode = Object.values(METRICS).map((m) => [DEFAULT_PREFIX + m.name, m.type, [...m.tags].sort()]);
    const fromDocs = [...docs.metrics.values()].map((d) => [d.statsdName, d.statsdType, [...d.labels].sort()]);
    expect(new Set(fromDocs.map((d) => JSON.stringify(d)))).toEqual(new Set(fromCode.map((c) => JSON.stringify(c))));
    for (const d of docs.metrics.values()) {
      expect(d.type === 'histogram').toBe(d.statsdType === 'ms');
      expect((d.buckets !== null)).toBe(d.type === 'histogram');
    }
  });

  it('every documented metric has its own mapping rule with the documented type and buckets', () => {
    for (const d of docs.metrics.values()) {
      const ev = eventTypeOf(d.statsdType);
      const m = mapper.getMapping(d.statsdName, ev);
      expect({ statsd: d.statsdName, mapped: m?.name }).toEqual({ statsd: d.statsdName, mapped: d.metric });
      const r = m as MappingResult;
      expect(r.mapping.matchMetricType).toBe(ev);
      expect(r.mapping.action).toBe('map');
      expect(Object.keys(r.labels)).toEqual([]); // every label comes from a tag
      expect(r.mapping.help).not.toBe(DEFAULT_HELP);
      if (d.type === 'histogram') {
        expect(r.mapping.observerType).toBe('histogram');
        expect(r.mapping.histogramOptions.buckets).toEqual(d.buckets);
      }
    }
    // no mapping rule without a documented metric
    for (const rule of config.mappings) expect(docs.metrics.has(rule.name)).toBe(true);
    expect(config.mappings).toHaveLength(docs.metrics.size);
  });

  it("the docs' closed label sets are exactly the emitter's", () => {
    for (const [metric, d] of docs.metrics) {
      const key = (Object.keys(METRICS) as MetricKey[]).find((k) => DEFAULT_PREFIX + METRICS[k].name === d.statsdName) as MetricKey;
      const byLabel = docs.labels.get(metric) ?? new Map<string, DocLabel>();
      expect([...byLabel.keys()].sort()).toEqual([...d.labels].sort());
      const closed = CLOSED_LABEL_VALUES[key] ?? {};
      for (const [label, dl] of byLabel) {
        if (dl.cls !== null) {
          expect(docs.classes).toContain(dl.cls);
          expect(Object.keys(CLASS_CHECKS)).toContain(dl.cls);
          expect({ metric, label, closedInCode: closed[label] }).toEqual({ metric, label, closedInCode: undefined });
        } else {
          expect({ metric, label, values: dl.values }).toEqual({ metric, label, values: [...(closed[label] ?? [])] });
        }
      }
    }
  });

  it('every line the emitter produces maps, through the bridge, to a documented metric and labels', async () => {
    const lines = await driveAllCodePaths();
    expect(lines.length).toBeGreaterThan(50);
    const { events, errors } = parseWithBridgeParser(lines);
    expect(errors).toEqual([]);
    expect(events).toHaveLength(lines.length);

    const seenMetrics = new Set<string>();
    const seenValues = new Map<string, Set<string>>(); // `${metric}/${label}` -> values
    const problems: string[] = [];
    events.forEach((ev, i) => {
      const line = lines[i] as string;
      const m = mapper.getMapping(ev.name, ev.type === 'set' ? 'gauge' : ev.type);
      if (!m) return void problems.push(`unmapped: ${line}`);
      const d = docs.metrics.get(m.name);
      if (!d) return void problems.push(`mapped to undocumented ${m.name}: ${line}`);
      seenMetrics.add(d.metric);
      if (promType(ev, m) !== d.type) problems.push(`${d.metric} is ${promType(ev, m)}, documented ${d.type}: ${line}`);
      const labels = { ...ev.labels, ...m.labels };
      const keys = Object.keys(labels).sort();
      if (JSON.stringify(keys) !== JSON.stringify([...d.labels].sort()))
        problems.push(`${d.metric} labels ${keys.join(',')} != documented ${d.labels.join(',')}: ${line}`);
      for (const [k, v] of Object.entries(labels)) {
        const dl = docs.labels.get(d.metric)?.get(k);
        if (!dl) continue;
        const ok = dl.values ? dl.values.includes(v) : (CLASS_CHECKS[dl.cls as string] as (v: string) => boolean)(v);
        if (!ok) problems.push(`${d.metric}{${k}="${v}"} not allowed by the docs: ${line}`);
        const key = `${d.metric}/${k}`;
        seenValues.set(key, (seenValues.get(key) ?? new Set()).add(v));
      }
    });
    expect(problems).toEqual([]);

    // coverage: the driver reached every documented metric and every documented closed value
    expect([...docs.metrics.keys()].filter((n) => !seenMetrics.has(n))).toEqual([]);
    const unseen: string[] = [];
    for (const [metric, byLabel] of docs.labels) {
      for (const [label, dl] of byLabel) {
        for (const v of dl.values ?? []) {
          if (NOT_DRIVEN[label]?.includes(v)) continue;
          if (!seenValues.get(`${metric}/${label}`)?.has(v)) unseen.push(`${metric}{${label}="${v}"}`);
        }
      }
    }
    expect(unseen).toEqual([]);
  });
});
