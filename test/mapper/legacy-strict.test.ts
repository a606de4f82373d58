// 0.30.0's legacy keys (accepted, with a deprecation warning), unknown keys (warned), and the
// strict mode that rejects both as statsd_exporter master does.
import { compile, compileError, recordingLogger } from './helpers';

function warningsFor(yaml: string): string[] {
  const logger = recordingLogger();
  compile(yaml, { logger });
  return logger.warnings();
}

describe('legacy keys (0.30.0 behaviour)', () => {
  it('mapping timer_type is used when observer_type is not set, with a deprecation warning', () => {
    const logger = recordingLogger();
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  timer_type: histogram\n', { logger });
    expect(cfg.mappings[0].observerType).toBe('histogram');
    expect(cfg.mappings[0].histogramOptions.buckets).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    const w = logger.warnings();
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/^test\.yml: mappings\[0\]\.timer_type: timer_type is deprecated, use observer_type/);
    expect(logger.entries[0].fields).toMatchObject({ file: 'test.yml', key: 'mappings[0].timer_type' });
  });

  it('observer_type wins over timer_type', () => {
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  observer_type: summary\n  timer_type: histogram\n');
    expect(cfg.mappings[0].observerType).toBe('summary');
  });

  it('an invalid timer_type is an error', () => {
    expect(compileError('mappings:\n- match: a.*\n  name: a\n  timer_type: wrong\n')).toBe(
      "test.yml: mappings[0].timer_type: invalid observer type 'wrong'",
    );
  });

  it('defaults.timer_type sets the default observer type', () => {
    const logger = recordingLogger();
    const cfg = compile('defaults:\n  timer_type: histogram\nmappings:\n- match: a.*\n  name: a\n', { logger });
    expect(cfg.defaults.observerType).toBe('histogram');
    expect(cfg.mappings[0].observerType).toBe('histogram');
    expect(logger.warnings()[0]).toMatch(/^test\.yml: defaults\.timer_type: timer_type is deprecated/);
  });

  it('mapping top-level buckets apply to histogram rules', () => {
    const logger = recordingLogger();
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  observer_type: histogram\n  buckets: [1, 2, 3]\n', { logger });
    expect(cfg.mappings[0].histogramOptions.buckets).toEqual([1, 2, 3]);
    expect(logger.warnings()[0]).toMatch(/^test\.yml: mappings\[0\]\.buckets: using the top level buckets is deprecated/);
  });

  it('mapping top-level buckets are ignored unless the rule is a histogram', () => {
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  buckets: [1, 2, 3]\n');
    expect(cfg.mappings[0].histogramOptions.buckets).toEqual(cfg.defaults.histogramOptions.buckets);
  });

  it('mapping top-level quantiles apply to summary rules', () => {
    const logger = recordingLogger();
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  observer_type: summary\n  quantiles:\n  - quantile: 0.42\n    error: 0.04\n', { logger });
    expect(cfg.mappings[0].summaryOptions.quantiles).toEqual([{ quantile: 0.42, error: 0.04 }]);
    expect(logger.warnings()[0]).toMatch(/^test\.yml: mappings\[0\]\.quantiles: using the top level quantiles is deprecated/);
  });

  it('top-level quantiles with summary_options that has no quantiles is allowed', () => {
    const cfg = compile(
      'mappings:\n- match: a.*\n  name: a\n  observer_type: summary\n  quantiles:\n  - quantile: 0.42\n    error: 0.04\n  summary_options:\n    max_age: 1m\n',
    );
    expect(cfg.mappings[0].summaryOptions.quantiles).toEqual([{ quantile: 0.42, error: 0.04 }]);
    expect(cfg.mappings[0].summaryOptions.maxAgeSeconds).toBe(60);
  });

  it('defaults.buckets is used when histogram_options.buckets is empty, replacing histogram_options as 0.30.0 did', () => {
    const logger = recordingLogger();
    const cfg = compile('defaults:\n  buckets: [1, 2]\n  histogram_options:\n    native_histogram_max_buckets: 100\n', { logger });
    expect(cfg.defaults.histogramOptions.buckets).toEqual([1, 2]);
    // The whole histogram_options block was replaced, so max_buckets fell back to 256.
    expect(cfg.defaults.histogramOptions.nativeHistogramMaxBuckets).toBe(256);
    expect(logger.warnings()[0]).toMatch(/^test\.yml: defaults\.buckets: using the top level buckets is deprecated/);
  });

  it('defaults.buckets loses to histogram_options.buckets', () => {
    const cfg = compile('defaults:\n  buckets: [0.2, 2]\n  histogram_options:\n    buckets: [0.1, 1]\n');
    expect(cfg.defaults.histogramOptions.buckets).toEqual([0.1, 1]);
  });

  it('defaults.quantiles is used when summary_options.quantiles is empty, replacing summary_options', () => {
    const cfg = compile('defaults:\n  quantiles:\n  - quantile: 0.9\n    error: 0.1\n  summary_options:\n    max_age: 5m\n');
    expect(cfg.defaults.summaryOptions.quantiles).toEqual([{ quantile: 0.9, error: 0.1 }]);
    expect(cfg.defaults.summaryOptions.maxAgeSeconds).toBe(0);
  });

  it('defaults.quantiles loses to summary_options.quantiles', () => {
    const cfg = compile(
      'defaults:\n  quantiles:\n  - quantile: 0.9\n    error: 0.1\n  summary_options:\n    quantiles:\n    - quantile: 0.42\n      error: 0.04\n    max_age: 5m\n',
    );
    expect(cfg.defaults.summaryOptions.quantiles).toEqual([{ quantile: 0.42, error: 0.04 }]);
    expect(cfg.defaults.summaryOptions.maxAgeSeconds).toBe(300);
  });

  it('match_metric_type: timer means observer', () => {
    const logger = recordingLogger();
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  match_metric_type: timer\n', { logger });
    expect(cfg.mappings[0].matchMetricType).toBe('observer');
    expect(cfg.matcher.match('a.b', 'observer')).not.toBeNull();
    expect(cfg.matcher.match('a.b', 'counter')).toBeNull();
    expect(logger.warnings()[0]).toMatch(/^test\.yml: mappings\[0\]\.match_metric_type: match_metric_type "timer" is deprecated/);
  });

  it('a legacy key set to null is not used and not warned about', () => {
    expect(warningsFor('mappings:\n- match: a.*\n  name: a\n  timer_type:\n')).toEqual([]);
  });
});

describe('unknown keys', () => {
  it('are ignored with a warning naming file, rule and key', () => {
    const logger = recordingLogger();
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  lables:\n    job: x\n', { logger });
    expect(cfg.mappings[0].labels).toEqual({});
    expect(logger.warnings()).toEqual(['test.yml: mappings[0].lables: unknown key "lables" is ignored (statsd_exporter 0.31 and strict mode reject it)']);
  });

  it('are found at every level', () => {
    const w = warningsFor(
      'extra: 1\ndefaults:\n  foo: 1\n  summary_options:\n    bar: 1\n    quantiles:\n    - quantile: 0.5\n      error: 0.1\n      baz: 1\nmappings:\n- match: a.*\n  name: a\n  histogram_options:\n    qux: 1\n',
    );
    expect(w.map((m) => m.split(': ')[1])).toEqual([
      'extra',
      'defaults.foo',
      'defaults.summary_options.bar',
      'defaults.summary_options.quantiles[0].baz',
      'mappings[0].histogram_options.qux',
    ]);
  });

  it('a duplicate key: the last value wins', () => {
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  name: b\n');
    expect(cfg.mappings[0].name).toBe('b');
  });
});

describe('strict mode (statsd_exporter master)', () => {
  const strict = { strict: true };
  it.each([
    ['unknown mapping key', 'mappings:\n- match: a.*\n  name: a\n  foo: 1\n', 'test.yml: mappings[0].foo: line 4: field foo not found in type mapper.MetricMapping'],
    ['unknown top-level key', 'mapping:\n- match: a.*\n', 'test.yml: mapping: line 1: field mapping not found in type mapper.MetricMapper'],
    ['unknown defaults key', 'defaults:\n  tll: 1s\n', 'test.yml: defaults.tll: line 2: field tll not found in type mapper.MapperConfigDefaults'],
    [
      'unknown summary_options key',
      'defaults:\n  summary_options:\n    maxage: 1s\n',
      'test.yml: defaults.summary_options.maxage: line 3: field maxage not found in type mapper.SummaryOptions',
    ],
    ['timer_type', 'mappings:\n- match: a.*\n  name: a\n  timer_type: histogram\n', 'test.yml: mappings[0].timer_type: line 4: field timer_type not found in type mapper.MetricMapping'],
    ['mapping buckets', 'mappings:\n- match: a.*\n  name: a\n  buckets: [1]\n', 'test.yml: mappings[0].buckets: line 4: field buckets not found in type mapper.MetricMapping'],
    ['defaults quantiles', 'defaults:\n  quantiles: []\n', 'test.yml: defaults.quantiles: line 2: field quantiles not found in type mapper.MapperConfigDefaults'],
    ['match_metric_type timer', 'mappings:\n- match: a.*\n  name: a\n  match_metric_type: timer\n', "test.yml: mappings[0].match_metric_type: invalid metric type 'timer'"],
    ['duplicate field', 'mappings:\n- match: a.*\n  name: a\n  name: b\n', 'test.yml: mappings[0].name: line 4: field name already set in type mapper.MetricMapping'],
    ['duplicate label', 'mappings:\n- match: a.*\n  name: a\n  labels:\n    job: a\n    job: b\n', 'test.yml: mappings[0].labels.job: line 6: key "job" already set in map'],
  ])('%s', (_title, yaml, expected) => {
    expect(compileError(yaml, strict)).toBe(expected);
  });

  it('accepts a clean config', () => {
    expect(() => compile('defaults:\n  ttl: 1s\nmappings:\n- match: a.*\n  name: a\n  match_metric_type: observer\n', strict)).not.toThrow();
  });
});
