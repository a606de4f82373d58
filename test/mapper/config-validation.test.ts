// Every validation rule of statsd_exporter 0.30.0, with its exact error text.
import { compileMappingConfig, compileMappingConfigs, MappingConfigError } from '../../src/mapper/config';
import { silentLogger } from '../../src/core/logger';
import { compile, compileError } from './helpers';

const NAME_RE = String.raw`^([a-zA-Z_]|(\$\{?\d+\}?))([a-zA-Z0-9_]|(\$\{?\d+\}?))*$`;

/** A one-rule config with extra lines for the rule. */
function rule(lines: string, match = 'test.*'): string {
  return `mappings:\n- match: ${match}\n  name: foo\n${lines}`;
}

describe('validation errors (file: path: upstream text)', () => {
  const table: [string, string, string][] = [
    // [title, yaml, expected message]
    ['mapping match_type', rule('  match_type: foo\n'), 'test.yml: mappings[0].match_type: invalid match type "foo"'],
    ['defaults match_type', 'defaults:\n  match_type: blob\n', 'test.yml: defaults.match_type: invalid match type "blob"'],
    ['mapping observer_type', rule('  observer_type: wrong\n'), "test.yml: mappings[0].observer_type: invalid observer type 'wrong'"],
    ['defaults observer_type', 'defaults:\n  observer_type: gauge\n', "test.yml: defaults.observer_type: invalid observer type 'gauge'"],
    ['action', rule('  action: xyz\n'), 'test.yml: mappings[0].action: invalid action type "xyz"'],
    ['match_metric_type', rule('  match_metric_type: wrong\n'), "test.yml: mappings[0].match_metric_type: invalid metric type 'wrong'"],
    ['match_metric_type ""', rule('  match_metric_type: ""\n'), "test.yml: mappings[0].match_metric_type: invalid metric type ''"],
    ['one-letter label key', rule('  labels:\n    a: x\n'), 'test.yml: mappings[0].labels: invalid label key: a'],
    ['label key starting with a digit', rule('  labels:\n    1ab: x\n'), 'test.yml: mappings[0].labels: invalid label key: 1ab'],
    ['label key with a dash', rule('  labels:\n    ab-c: x\n'), 'test.yml: mappings[0].labels: invalid label key: ab-c'],
    [
      'missing name (index in the text)',
      'mappings:\n- match: a.*\n  name: a\n- match: b.*\n  name: b\n- match: c.*\n',
      "test.yml: mappings[2].name: line 2: metric mapping didn't set a metric name",
    ],
    ['empty name', 'mappings:\n- match: a.*\n  name: ""\n', "test.yml: mappings[0].name: line 0: metric mapping didn't set a metric name"],
    ['name with a colon', 'mappings:\n- match: a.*\n  name: a:b\n', `test.yml: mappings[0].name: metric name 'a:b' doesn't match regex '${NAME_RE}'`],
    ['name starting with a digit', 'mappings:\n- match: a.*\n  name: "0foo"\n', `test.yml: mappings[0].name: metric name '0foo' doesn't match regex '${NAME_RE}'`],
    ['name with a named reference', 'mappings:\n- match: a.*\n  name: ${x}\n', `test.yml: mappings[0].name: metric name '\${x}' doesn't match regex '${NAME_RE}'`],
    ['glob with partial *', 'mappings:\n- match: a.b*\n  name: x\n', 'test.yml: mappings[0].match: invalid match: a.b*'],
    ['glob first segment with digit', 'mappings:\n- match: 1a.b\n  name: x\n', 'test.yml: mappings[0].match: invalid match: 1a.b'],
    ['glob with bad characters', 'mappings:\n- match: bad!!metric-line.*.*\n  name: x\n', 'test.yml: mappings[0].match: invalid match: bad!!metric-line.*.*'],
    ['glob with empty segment', 'mappings:\n- match: a..b\n  name: x\n', 'test.yml: mappings[0].match: invalid match: a..b'],
    ['empty glob', 'mappings:\n- name: x\n', 'test.yml: mappings[0].match: invalid match: '],
    [
      'regex: missing repetition argument',
      'mappings:\n- match: "*\\\\.foo"\n  match_type: regex\n  name: foo\n',
      'test.yml: mappings[0].match: invalid regex *\\.foo in mapping: error parsing regexp: missing argument to repetition operator: `*`',
    ],
    [
      'quantiles in both places',
      rule('  observer_type: summary\n  quantiles:\n  - quantile: 0.5\n    error: 0.1\n  summary_options:\n    quantiles:\n    - quantile: 0.9\n      error: 0.1\n'),
      'test.yml: mappings[0].quantiles: cannot use quantiles in both the top level and summary options at the same time in test.*',
    ],
    [
      'buckets in both places',
      rule('  observer_type: histogram\n  buckets: [1]\n  histogram_options:\n    buckets: [2]\n'),
      'test.yml: mappings[0].buckets: cannot use buckets in both the top level and histogram options at the same time in test.*',
    ],
    [
      'histogram observer with summary options',
      rule('  observer_type: histogram\n  summary_options:\n    max_age: 1m\n'),
      'test.yml: mappings[0].summary_options: cannot use histogram observer and summary options at the same time',
    ],
    [
      'summary observer with histogram options',
      rule('  observer_type: summary\n  histogram_options:\n    buckets: [1]\n'),
      'test.yml: mappings[0].histogram_options: cannot use summary observer and histogram options at the same time',
    ],
    [
      'histogram from defaults with summary options',
      'defaults:\n  observer_type: histogram\n' + rule('  summary_options: {}\n'),
      'test.yml: mappings[0].summary_options: cannot use histogram observer and summary options at the same time',
    ],
    [
      'explicit "" observer type is summary',
      'defaults:\n  observer_type: histogram\n' + rule('  observer_type: ""\n  histogram_options: {}\n'),
      'test.yml: mappings[0].histogram_options: cannot use summary observer and histogram options at the same time',
    ],
    // yaml.v2 type errors
    ['ttl not a duration', rule('  ttl: abc\n'), 'test.yml: mappings[0].ttl: line 4: cannot unmarshal !!str `abc` into time.Duration'],
    ['value of 10 characters shown whole', rule('  ttl: tenseconds\n'), 'test.yml: mappings[0].ttl: line 4: cannot unmarshal !!str `tenseconds` into time.Duration'],
    ['longer value shortened', rule('  ttl: elevenchars\n'), 'test.yml: mappings[0].ttl: line 4: cannot unmarshal !!str `elevenc...` into time.Duration'],
    ['defaults ttl', 'defaults:\n  ttl: 5 minutes\n', 'test.yml: defaults.ttl: line 2: cannot unmarshal !!str `5 minutes` into time.Duration'],
    ['quoted scale', rule('  scale: "0.5"\n'), 'test.yml: mappings[0].scale: line 4: cannot unmarshal !!str `0.5` into float64'],
    ['bool', rule('  honor_labels: maybe\n'), 'test.yml: mappings[0].honor_labels: line 4: cannot unmarshal !!str `maybe` into bool'],
    ['glob_disable_ordering', 'defaults:\n  glob_disable_ordering: 1\n', 'test.yml: defaults.glob_disable_ordering: line 2: cannot unmarshal !!int `1` into bool'],
    [
      'negative uint32',
      rule('  observer_type: summary\n  summary_options:\n    age_buckets: -1\n'),
      'test.yml: mappings[0].summary_options.age_buckets: line 6: cannot unmarshal !!int `-1` into uint32',
    ],
    ['buckets not a list', rule('  observer_type: histogram\n  histogram_options:\n    buckets: 5\n'), 'test.yml: mappings[0].histogram_options.buckets: line 6: cannot unmarshal !!int `5` into []float64'],
    ['bucket not a number', rule('  observer_type: histogram\n  histogram_options:\n    buckets: [1, x]\n'), 'test.yml: mappings[0].histogram_options.buckets[1]: line 6: cannot unmarshal !!str `x` into float64'],
    ['labels not a map', rule('  labels: [a, b]\n'), 'test.yml: mappings[0].labels: line 4: cannot unmarshal !!seq into prometheus.Labels'],
    ['name not a string', 'mappings:\n- match: a.*\n  name: {a: 1}\n', 'test.yml: mappings[0].name: line 3: cannot unmarshal !!map into string'],
    ['mappings not a list', 'mappings:\n  match: a.*\n', 'test.yml: mappings: line 2: cannot unmarshal !!map into []mapper.MetricMapping'],
    ['mapping not a map', 'mappings:\n- a.*\n', 'test.yml: mappings[0]: line 2: cannot unmarshal !!str `a.*` into mapper.MetricMappingAlias'],
    ['document not a map', '- a\n- b\n', 'test.yml: line 1: cannot unmarshal !!seq into mapper.MetricMapper'],
    // YAML syntax, with yaml.v2's wording where it matters
    ['unknown anchor', 'mappings:\n- match: *.test.*\n  name: x\n', "test.yml: yaml: unknown anchor '.test.*' referenced"],
    ['bad escape in a double-quoted string', 'mappings:\n- match: "a\\.b"\n  name: x\n', 'test.yml: yaml: line 2: found unknown escape character while parsing a quoted scalar'],
  ];

  it.each(table)('%s', (_title, yaml, expected) => {
    expect(compileError(yaml)).toBe(expected);
  });

  it('throws MappingConfigError carrying file, path and upstream text', () => {
    let err: unknown;
    try {
      compileMappingConfig(rule('  match_type: foo\n'), { source: 'mapping/x.yml', logger: silentLogger });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MappingConfigError);
    const e = err as MappingConfigError;
    expect(e.message).toBe('mapping/x.yml: mappings[0].match_type: invalid match type "foo"');
    expect(e.source).toBe('mapping/x.yml');
    expect(e.path).toBe('mappings[0].match_type');
    expect(e.detail).toBe('invalid match type "foo"');
  });

  it('names the failing rule by its index', () => {
    const yaml = 'mappings:\n' + ['a', 'b', 'c'].map((s) => `- match: ${s}.*\n  name: ${s}\n`).join('') + '- match: d.*\n  name: d\n  match_type: foo\n';
    expect(compileError(yaml)).toBe('test.yml: mappings[3].match_type: invalid match type "foo"');
  });

  it('reports all yaml.v2 type errors together, the first in the message', () => {
    let err: MappingConfigError | undefined;
    try {
      compile(rule('  ttl: abc\n  scale: x\n'));
    } catch (e) {
      err = e as MappingConfigError;
    }
    expect(err).toBeInstanceOf(MappingConfigError);
    expect(err!.errors.map((e) => e.path)).toEqual(['mappings[0].ttl', 'mappings[0].scale']);
    expect(err!.message).toMatch(/^test\.yml: mappings\[0\]\.ttl: line 4: cannot unmarshal !!str `abc` into time\.Duration \(and 1 more: /);
  });

  it('an invalid enum value wins over earlier type errors, as in yaml.v2', () => {
    const yaml = 'mappings:\n- match: a.*\n  name: a\n  ttl: abc\n- match: b.*\n  name: b\n  action: bogus\n';
    expect(compileError(yaml)).toBe('test.yml: mappings[1].action: invalid action type "bogus"');
  });

  it('decoding errors come before rule checks', () => {
    const yaml = 'mappings:\n- match: a.*\n  name: "0bad"\n- match: b.*\n  name: b\n  observer_type: nope\n';
    expect(compileError(yaml)).toBe("test.yml: mappings[1].observer_type: invalid observer type 'nope'");
  });

  it('checks a rule in upstream order: labels, name, match, options', () => {
    const yaml = 'mappings:\n- match: "a..b"\n  name: "0x"\n  labels:\n    x: y\n';
    expect(compileError(yaml)).toMatch(/invalid label key: x$/);
    const yaml2 = 'mappings:\n- match: "a..b"\n  name: "0x"\n';
    expect(compileError(yaml2)).toMatch(/metric name '0x'/);
  });

  describe('regex syntax errors keep Go RE2 wording', () => {
    const regexes: [string, string][] = [
      ['(abc', 'missing closing ): `(abc`'],
      ['abc)', 'unexpected ): `abc)`'],
      ['[abc', 'missing closing ]: `[abc`'],
      ['a**', 'invalid nested repetition operator: `**`'],
      ['a+*', 'invalid nested repetition operator: `+*`'],
      ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
      ['(?!x)', 'invalid or unsupported Perl syntax: `(?!`'],
      ['(?<=x)', 'invalid named capture: `(?<=x)`'],
      ['(a)\\1', 'invalid escape sequence: `\\1`'],
      ['\\8', 'invalid escape sequence: `\\8`'],
      ['\\Z', 'invalid escape sequence: `\\Z`'],
      ['a{1001}', 'invalid repeat count: `{1001}`'],
      ['a{3,2}', 'invalid repeat count: `{3,2}`'],
      ['[z-a]', 'invalid character class range: `z-a`'],
      ['(?P<>x)', 'invalid named capture: `(?P<>`'],
      ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
      ['\\p{Klingon}', 'invalid character class range: `\\p{Klingon}`'],
      ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
      ['x\\', 'trailing backslash at end of expression: ``'],
      ['+x', 'missing argument to repetition operator: `+`'],
      ['(|*)', 'missing argument to repetition operator: `*`'],
    ];
    it.each(regexes)('%s', (re, tail) => {
      const yaml = `mappings:\n- match: '${re}'\n  match_type: regex\n  name: x\n`;
      expect(compileError(yaml)).toBe(`test.yml: mappings[0].match: invalid regex ${re} in mapping: error parsing regexp: ${tail}`);
    });
  });

  it('a regex rule is not held to the glob syntax, and defaults.match_type applies', () => {
    const cfg = compile('defaults:\n  match_type: regex\nmappings:\n- match: "^a\\\\.(b+)$"\n  name: x_${1}\n');
    expect(cfg.mappings[0].matchType).toBe('regex');
    expect(cfg.matcher.match('a.bb', 'counter')?.name).toBe('x_bb');
  });

  it('explicit match_type "" means glob even when the default is regex', () => {
    const cfg = compile('defaults:\n  match_type: regex\nmappings:\n- match: a.*\n  match_type: ""\n  name: x\n');
    expect(cfg.mappings[0].matchType).toBe('glob');
  });

  it('several files: only one may set defaults', () => {
    expect(() =>
      compileMappingConfigs(
        [
          { source: 'a.yml', text: 'defaults:\n  ttl: 1s\n' },
          { source: 'b.yml', text: 'defaults:\n  ttl: 2s\n' },
        ],
        { logger: silentLogger },
      ),
    ).toThrow('b.yml: defaults: defaults are already set in a.yml; only one mapping file may set them');
  });
});
