// YAML values as yaml.v2 decodes them into statsd_exporter's fields.
import { resolvePlain } from '../../src/core/yaml-go';
import { compile, compileError } from './helpers';

describe('plain scalar resolution (yaml.v2)', () => {
  it.each([
    ['', '!!null', null],
    ['~', '!!null', null],
    ['null', '!!null', null],
    ['yes', '!!bool', true],
    ['On', '!!bool', true],
    ['n', '!!bool', false],
    ['OFF', '!!bool', false],
    ['1', '!!int', 1],
    ['-17', '!!int', -17],
    ['0x1F', '!!int', 31],
    ['017', '!!int', 15],
    ['0o17', '!!int', 15],
    ['0b101', '!!int', 5],
    ['1_000', '!!int', 1000],
    ['1.5', '!!float', 1.5],
    ['1e-6', '!!float', 1e-6],
    ['.5', '!!float', 0.5],
    ['1.', '!!float', 1],
    ['08', '!!float', 8],
    ['.inf', '!!float', Infinity],
    ['-.Inf', '!!float', -Infinity],
    ['2001-12-14', '!!timestamp', '2001-12-14'],
    ['1s', '!!str', '1s'],
    ['*.foo', '!!str', '*.foo'],
    ['1e400', '!!str', '1e400'],
    ['0x', '!!str', '0x'],
  ])('%p is %s', (text, tag, value) => {
    const r = resolvePlain(text);
    expect(r.tag).toBe(tag);
    if (typeof value === 'number' && Number.isNaN(value)) expect(r.value).toBeNaN();
    else expect(r.value).toBe(value);
  });
});

describe('values in a mapping file', () => {
  it('scale accepts scientific notation, integers and negatives; null leaves it unset', () => {
    const cfg = compile(
      'mappings:\n- {match: a.*, name: a, scale: 1e-6}\n- {match: b.*, name: b, scale: 2}\n- {match: c.*, name: c, scale: -0.5}\n- {match: d.*, name: d, scale: ~}\n- {match: e.*, name: e, scale: 0}\n',
    );
    expect(cfg.mappings.map((m) => m.scale)).toEqual([1e-6, 2, -0.5, null, 0]);
  });

  it('a string field takes the text of a number or boolean as written', () => {
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n  help: 1.50\n  labels:\n    version: 1.0\n    enabled: yes\n    hex: 0x1F\n    empty: ~\n');
    expect(cfg.mappings[0].help).toBe('1.50');
    expect(cfg.mappings[0].labels).toEqual({ version: '1.0', enabled: 'yes', hex: '0x1F', empty: '' });
  });

  it('YAML 1.1 booleans work for bool fields', () => {
    const cfg = compile('defaults:\n  glob_disable_ordering: yes\nmappings:\n- match: a.*\n  name: a\n  honor_labels: on\n');
    expect(cfg.defaults.globDisableOrdering).toBe(true);
    expect(cfg.mappings[0].honorLabels).toBe(true);
  });

  it('quantiles and buckets take ints and floats', () => {
    const cfg = compile(
      'defaults:\n  histogram_options:\n    buckets: [1, 2.5, 1e3]\n  summary_options:\n    quantiles:\n    - {quantile: 0.999, error: 1e-4}\n    - {quantile: 1, error: 0}\n',
    );
    expect(cfg.defaults.histogramOptions.buckets).toEqual([1, 2.5, 1000]);
    expect(cfg.defaults.summaryOptions.quantiles).toEqual([
      { quantile: 0.999, error: 1e-4 },
      { quantile: 1, error: 0 },
    ]);
  });

  it("match: '*.foo' must be quoted; the bare form is a YAML alias", () => {
    expect(compile("mappings:\n- match: '*.foo'\n  name: x\n").mappings[0].match).toBe('*.foo');
    expect(compileError('mappings:\n- match: *.foo\n  name: x\n')).toBe("test.yml: yaml: unknown anchor '.foo' referenced");
  });

  it('anchors, aliases and merge keys work', () => {
    const cfg = compile(
      'x-common: &common\n  ttl: 1m\n  labels: {job: shared}\nmappings:\n- <<: *common\n  match: a.*\n  name: a\n- <<: *common\n  match: b.*\n  name: b\n  ttl: 5s\n',
    );
    expect(cfg.mappings.map((m) => [m.ttlMs, m.labels.job])).toEqual([
      [60_000, 'shared'],
      [5000, 'shared'],
    ]);
  });

  it('an empty document, a comment-only one, or `mappings:` alone load with the defaults', () => {
    for (const text of ['', '# nothing\n', '---\n', 'mappings:\n', 'defaults:\nmappings: []\n']) {
      const cfg = compile(text);
      expect(cfg.mappings).toEqual([]);
      expect(cfg.defaults.histogramOptions.nativeHistogramBucketFactor).toBe(1.1);
      expect(cfg.defaults.histogramOptions.nativeHistogramMaxBuckets).toBe(256);
    }
  });

  it('only the first YAML document is read', () => {
    const cfg = compile('mappings:\n- match: a.*\n  name: a\n---\nmappings:\n- match: b.*\n  name: b\n');
    expect(cfg.mappings.map((m) => m.name)).toEqual(['a']);
  });
});
