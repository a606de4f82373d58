// MetricMapper.explain (the workbench's view of a lookup) and several mapping files.
import { silentLogger } from '../../src/core/logger';
import { compileMappingConfigs } from '../../src/mapper/config';
import { MetricMapper } from '../../src/mapper/mapper';
import { compile } from './helpers';

const YAML = `
mappings:
- match: "a.*.c"
  name: "glob_$1"
  labels:
    whole: "$0"
- match: "^x\\\\.(?P<first>[a-z]+)\\\\.(\\\\d+)$"
  match_type: regex
  name: "re_\${1}_$2"
  labels:
    first: "\${first}"
- match: "g.*"
  match_metric_type: gauge
  name: "gauge_only"
`;

describe('MetricMapper.explain', () => {
  const mapper = new MetricMapper({ config: compile(YAML, { globDollarZero: 'metric' }), cache: null });

  it('returns the same result as getMapping, with the glob captures', () => {
    const e = mapper.explain('a.b.c', 'counter');
    expect(e?.result).toEqual(mapper.getMapping('a.b.c', 'counter'));
    expect(e?.result).toMatchObject({ name: 'glob_b', labels: { whole: 'a.b.c' } });
    expect(e?.captures).toEqual([{ name: '$1', value: 'b' }]);
    expect(e?.result.mapping).toMatchObject({ index: 0, source: 'test.yml', match: 'a.*.c' });
  });

  it('reports regex captures with $0 and group names', () => {
    const e = mapper.explain('x.abc.42', 'gauge');
    expect(e?.result).toMatchObject({ name: 're_abc_42', labels: { first: 'abc' } });
    expect(e?.captures).toEqual([
      { name: '$0', value: 'x.abc.42' },
      { name: '$1', group: 'first', value: 'abc' },
      { name: '$2', value: '42' },
    ]);
  });

  it('honours match_metric_type and returns null when nothing matches', () => {
    expect(mapper.explain('g.h', 'counter')).toBeNull();
    expect(mapper.explain('g.h', 'gauge')?.result.name).toBe('gauge_only');
    expect(mapper.explain('nope', 'counter')).toBeNull();
    expect(new MetricMapper({ cache: null }).explain('a.b.c', 'counter')).toBeNull();
  });
});

describe('several mapping files', () => {
  it('a file without a defaults block does not count as setting defaults', () => {
    const cfg = compileMappingConfigs(
      [
        { source: 'a.yml', text: 'mappings:\n- match: "p.*"\n  name: "from_a"\n' },
        { source: 'b.yml', text: 'defaults:\n  ttl: 5s\nmappings:\n- match: "p.*"\n  name: "from_b"\n- match: "q.*"\n  name: "from_b_q"\n' },
        { source: 'c.yml', text: 'defaults:\nmappings: []\n' },
      ],
      { logger: silentLogger },
    );
    expect(cfg.defaults.ttlMs).toBe(5000);
    expect(cfg.mappings.map((m) => `${m.source}[${m.index}]`)).toEqual(['a.yml[0]', 'b.yml[0]', 'b.yml[1]']);
    // File order decides: the first file's rule wins for p.*; b.yml's defaults apply to every rule.
    expect(cfg.matcher.match('p.x', 'counter')?.name).toBe('from_a');
    expect(cfg.matcher.match('p.x', 'counter')?.mapping.ttlMs).toBe(5000);
    expect(cfg.matcher.match('q.x', 'counter')?.name).toBe('from_b_q');
  });
});
