// mapping/example.yml compiles and uses every key.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadMappingFile } from '../../src/mapper/load';
import { compile, recordingLogger } from './helpers';

const file = path.resolve(__dirname, '../../mapping/example.yml');
const text = fs.readFileSync(file, 'utf8');

describe('mapping/example.yml', () => {
  it('compiles, with one deprecation warning (timer_type) and nothing else', () => {
    const logger = recordingLogger();
    const cfg = compile(text, { logger, source: 'mapping/example.yml' });
    expect(cfg.mappings.length).toBeGreaterThan(5);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toMatch(/^mapping\/example\.yml: mappings\[\d+\]\.timer_type: timer_type is deprecated/);
  });

  it('loads from disk', () => {
    const cfg = loadMappingFile(file, { logger: recordingLogger() });
    expect(cfg.source).toBe(file);
    expect(cfg.mappings[0].source).toBe(file);
  });

  it('uses every key', () => {
    const doc = parse(text) as { defaults: Record<string, unknown>; mappings: Record<string, unknown>[] };
    const defaults = doc.defaults;
    for (const k of ['observer_type', 'match_type', 'glob_disable_ordering', 'ttl', 'histogram_options', 'summary_options']) {
      expect(defaults).toHaveProperty(k);
    }
    expect(Object.keys(defaults.histogram_options as object).sort()).toEqual(
      ['buckets', 'native_histogram_bucket_factor', 'native_histogram_max_buckets'].sort(),
    );
    expect(Object.keys(defaults.summary_options as object).sort()).toEqual(['age_buckets', 'buf_cap', 'max_age', 'quantiles']);
    const used = new Set(doc.mappings.flatMap((m) => Object.keys(m)));
    for (const k of [
      'match', 'name', 'labels', 'match_type', 'match_metric_type', 'action', 'observer_type', 'histogram_options',
      'summary_options', 'ttl', 'honor_labels', 'scale', 'help', 'timer_type',
    ]) {
      expect(used).toContain(k);
    }
    const values = (k: string) => doc.mappings.map((m) => m[k]).filter((v) => v !== undefined);
    expect(values('match_type')).toEqual(expect.arrayContaining(['regex']));
    expect(values('action')).toEqual(expect.arrayContaining(['map', 'drop']));
    const ho = doc.mappings.find((m) => m.histogram_options)?.histogram_options as object;
    expect(Object.keys(ho)).toEqual(expect.arrayContaining(['buckets', 'native_histogram_bucket_factor', 'native_histogram_max_buckets']));
    const so = doc.mappings.find((m) => m.summary_options)?.summary_options as object;
    expect(Object.keys(so).sort()).toEqual(['age_buckets', 'buf_cap', 'max_age', 'quantiles']);
  });

  it('maps what its comments say', () => {
    const { matcher } = compile(text);
    expect(matcher.match('myapp.api.users.get.200', 'counter')).toMatchObject({
      name: 'http_requests_total',
      labels: { service: 'api', resource: 'users', method: 'get', code: '200' },
    });
    expect(matcher.match('myapp.api.users.get.200', 'gauge')).toBeNull();
    const latency = matcher.match('myapp.checkout.latency_us', 'observer');
    expect(latency?.name).toBe('checkout_request_duration_seconds');
    expect(latency?.mapping.scale).toBe(1e-6);
    expect(matcher.match('myapp.orders.queue_depth', 'gauge')?.mapping).toMatchObject({ ttlMs: 30_000, honorLabels: true });
    expect(matcher.match('legacy.sync.duration', 'observer')?.mapping.observerType).toBe('histogram');
    expect(matcher.match('jvm.heap.used', 'gauge')).toMatchObject({ name: 'jvm_memory_used_bytes', labels: { area: 'heap' } });
    expect(matcher.match('debug.anything', 'counter')?.mapping.action).toBe('drop');
  });
});
