// mapper.json: statsd_exporter's mapper test tables (TestMetricMapperYAML, TestAction,
// TestMultipleMatches), read in place and asserted exactly as the README describes.
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger';
import type { EventType } from '../../src/line/events';
import { createMappingCache, type CachedMapping, type MappingCache } from '../../src/mapper/cache';
import { compileMappingConfig, MappingConfigError } from '../../src/mapper/config';
import { MetricMapper } from '../../src/mapper/mapper';
import type { CompiledMappingConfig, MappingResult } from '../../src/mapper/types';

interface Expected {
  matched?: boolean;
  name?: string;
  labels?: Record<string, string>;
  scale?: number | null;
  ttl_seconds?: number;
  match_metric_type?: string;
  buckets?: number[];
  quantiles?: { quantile: number; error: number }[];
  summary_max_age_seconds?: number;
  summary_age_buckets?: number;
  summary_buf_cap?: number;
}

interface Lookup {
  statsd_name: string;
  statsd_type: '' | EventType;
  lookup_type: EventType;
  expected: Expected;
  observed_upstream_matched?: boolean;
}

interface MapperCase {
  name: string;
  go_test: string;
  go_case?: string;
  config: string;
  config_valid: boolean;
  mappings: Lookup[];
  first_mapping_action?: 'map' | 'drop';
  notes?: string;
  repeat?: number;
  cache_variants?: string[];
}

const dir = process.env.CONFORMANCE_DIR ?? path.resolve(__dirname, '../../../shared/conformance');
const cases = JSON.parse(fs.readFileSync(path.join(dir, 'mapper.json'), 'utf8')) as MapperCase[];

type Variant = 'none' | 'lru' | 'random';

function makeCache(variant: Variant): MappingCache<CachedMapping> | null {
  if (variant === 'none') return null;
  return createMappingCache({ type: variant, size: 1000 });
}

function compile(c: MapperCase): CompiledMappingConfig {
  return compileMappingConfig(c.config, { source: `${c.name}.yml`, logger: silentLogger });
}

/** One lookup checked the way the Go harness checks it. */
function checkLookup(found: MappingResult | null, l: Lookup): void {
  const e = l.expected;
  if (e.matched === true) expect(found).not.toBeNull();
  if (e.matched === false) expect(found).toBeNull();
  if (e.labels !== undefined) {
    // Same number of labels and equal values (a miss has no labels).
    const got = found ? found.labels : {};
    expect(Object.keys(got).length).toBe(Object.keys(e.labels).length);
    for (const [k, v] of Object.entries(e.labels)) expect(got[k]).toBe(v);
  }
  if (found === null) return;
  const m = found.mapping;
  if (e.name !== undefined && e.name !== '') expect(found.name).toBe(e.name);
  if ('scale' in e) {
    if (e.scale === null) expect(m.scale).toBeNull();
    else expect(m.scale).toBe(e.scale);
  }
  if (e.ttl_seconds !== undefined) expect(m.ttlMs / 1000).toBe(e.ttl_seconds);
  if (e.match_metric_type !== undefined) {
    expect(e.match_metric_type).toBe(l.lookup_type);
    expect(m.matchMetricType).toBe(l.lookup_type);
  }
  if (e.buckets !== undefined) {
    expect(m.histogramOptions.buckets.length).toBe(e.buckets.length);
    e.buckets.forEach((b, i) => expect(m.histogramOptions.buckets[i]).toBe(b));
  }
  if (e.quantiles !== undefined) {
    expect(m.summaryOptions.quantiles.length).toBe(e.quantiles.length);
    e.quantiles.forEach((q, i) => {
      expect(m.summaryOptions.quantiles[i].quantile).toBe(q.quantile);
      expect(m.summaryOptions.quantiles[i].error).toBe(q.error);
    });
  }
  if (e.summary_max_age_seconds !== undefined) expect(m.summaryOptions.maxAgeSeconds).toBe(e.summary_max_age_seconds);
  if (e.summary_age_buckets !== undefined) expect(m.summaryOptions.ageBuckets).toBe(e.summary_age_buckets);
  if (e.summary_buf_cap !== undefined) expect(m.summaryOptions.bufCap).toBe(e.summary_buf_cap);
}

describe('mapper.json', () => {
  it('has vectors', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it(`config is ${c.config_valid ? 'valid' : 'rejected'}`, () => {
        if (c.config_valid) {
          expect(() => compile(c)).not.toThrow();
        } else {
          expect(() => compile(c)).toThrow(MappingConfigError);
        }
      });

      if (!c.config_valid) return;

      if (c.first_mapping_action !== undefined) {
        it(`first mapping action is ${c.first_mapping_action}`, () => {
          expect(compile(c).mappings[0].action).toBe(c.first_mapping_action);
        });
      }

      // Upstream runs the table through a mapper with an LRU cache; TestMultipleMatches also
      // without one. Every lookup is checked without a cache, and twice (miss, then hit) with
      // each cache type.
      const variants: Variant[] = ['none', 'lru', 'random'];
      for (const v of c.cache_variants ?? []) if (!variants.includes(v as Variant)) variants.push(v as Variant);
      const repeat = c.repeat ?? 2;

      c.mappings.forEach((l, i) => {
        it(`lookup ${i}: ${l.lookup_type} ${JSON.stringify(l.statsd_name)}`, () => {
          const config = compile(c);
          for (const variant of variants) {
            const mapper = new MetricMapper({ config, cache: makeCache(variant) });
            for (let r = 0; r < repeat; r++) checkLookup(mapper.getMapping(l.statsd_name, l.lookup_type), l);
          }
        });
      });

      if (c.repeat !== undefined && c.mappings.length > 1) {
        it(`all lookups interleaved, ${c.repeat} rounds, per cache variant`, () => {
          const config = compile(c);
          for (const variant of variants) {
            const mapper = new MetricMapper({ config, cache: makeCache(variant) });
            for (let r = 0; r < (c.repeat as number); r++) {
              for (const l of c.mappings) checkLookup(mapper.getMapping(l.statsd_name, l.lookup_type), l);
            }
          }
        });
      }
    });
  }
});
