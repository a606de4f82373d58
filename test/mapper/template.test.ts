// Template edge cases: upstream's glob formatter and Go's regexp.Expand.
import { compileGlobTemplate, compileRegexTemplate, formatTemplate } from '../../src/mapper/template';
import { compile } from './helpers';

describe('glob templates (fsm/formatter.go)', () => {
  const captures = ['a', 'b', 'c'];
  const fmt = (t: string, dollarZero: 'empty' | 'metric' = 'empty'): string =>
    formatTemplate(compileGlobTemplate(t, captures.length, dollarZero), captures, 'x.y.z');

  it.each([
    ['$1', 'a'],
    ['${1}', 'a'],
    ['${1}_foo', 'a_foo'],
    ['$1_foo', ''], // the reference is "1_foo": not a number
    ['${1}_$2', 'a_b'],
    ['$1_$2', ''], // one reference "1_$2"
    ['$1-$2-$3', 'a-b-c'],
    ['$1.$2', 'a.b'],
    ['${1}x', 'ax'],
    ['$1x', ''],
    ['$4', ''], // out of range
    ['${4}_x', '_x'],
    ['$0', ''], // 0.30.0: $0 is empty in glob templates
    ['$abc', ''],
    ['${name}', ''],
    ['$$1', ''],
    ['$01', 'a'], // Atoi("01") = 1
    ['${1', 'a'], // the brace is optional on both sides
    ['$1}', 'a'],
    ['100%_$1', '100%_a'],
    ['$', '$'],
    ['a$-b', 'a$-b'],
    ['plain', 'plain'],
    ['', ''],
  ])('%p -> %p', (t, expected) => {
    expect(fmt(t)).toBe(expected);
  });

  it('$0 can mean the whole metric name (statsd_exporter 0.31)', () => {
    expect(fmt('$0', 'metric')).toBe('x.y.z');
    expect(fmt('${0}_$1', 'metric')).toBe('x.y.z_a');
  });

  it('references above 9 are read whole', () => {
    const caps = Array.from({ length: 12 }, (_, i) => `c${i + 1}`);
    expect(formatTemplate(compileGlobTemplate('$1 and $10 and ${12}', 12), caps, '')).toBe('c1 and c10 and c12');
  });

  it('is precompiled: constant templates are detected', () => {
    expect(compileGlobTemplate('job', 2).constant).toBe('job');
    expect(compileGlobTemplate('$9', 2).constant).toBe('');
    expect(compileGlobTemplate('x_$1', 2).constant).toBeNull();
    expect(compileGlobTemplate('x_$1', 2).parts).toEqual(['x_', 0]);
  });

  it('$0 through a config option', () => {
    const yaml = 'mappings:\n- match: a.*\n  name: x_$1\n  labels:\n    full: $0\n';
    expect(compile(yaml).matcher.match('a.b', 'counter')?.labels).toEqual({ full: '' });
    expect(compile(yaml, { globDollarZero: 'metric' }).matcher.match('a.b', 'counter')?.labels).toEqual({ full: 'a.b' });
  });
});

describe('regex templates (Go regexp.Expand)', () => {
  // Groups: 0 whole match, 1 unnamed, 2 "name", 3 "1x", 4 unmatched
  const names = [null, null, 'name', '1x', 'unused'];
  const match = ['whole', 'one', 'named', 'onex', undefined];
  const fmt = (t: string): string => formatTemplate(compileRegexTemplate(t, names), match, 'metric.name');

  it.each([
    ['$0', 'whole'],
    ['${0}', 'whole'],
    ['$1', 'one'],
    ['${1}x', 'onex'],
    ['$1x', 'onex'], // the group named "1x"
    ['$1y', ''], // no group named "1y"
    ['$name', 'named'],
    ['${name}', 'named'],
    ['$name_suffix', ''],
    ['${name}_suffix', 'named_suffix'],
    ['$4', ''], // did not participate
    ['$unused', ''],
    ['$9', ''], // no such group
    ['$01', ''], // leading zero: a name, not a number
    ['$$', '$'],
    ['$$1', '$1'],
    ['$', '$'],
    ['a$', 'a$'],
    ['$-', '$-'],
    ['${1', '${1'],
    ['${}', '${}'],
    ['x${1}y${name}z', 'xoneynamedz'],
    ['100%', '100%'],
  ])('%p -> %p', (t, expected) => {
    expect(fmt(t)).toBe(expected);
  });

  it('Unicode letters and digits belong to names', () => {
    const n = [null, 'é'];
    expect(formatTemplate(compileRegexTemplate('$é!', n), ['w', 'v'], '')).toBe('v!');
  });

  it('in a config: $0 is the matched text, not the whole name', () => {
    const cfg = compile(
      "mappings:\n- match: 'b+(?P<tail>c*)'\n  match_type: regex\n  name: x_${1}\n  labels:\n    whole: $0\n    tail: $tail\n    weird: $1x\n",
    );
    expect(cfg.matcher.match('abbcd', 'counter')).toMatchObject({ name: 'x_c', labels: { whole: 'bbc', tail: 'c', weird: '' } });
  });

  it('Go group names that are not JavaScript identifiers work', () => {
    const cfg = compile("mappings:\n- match: '(?P<1x>\\w+)\\.(?<2>\\w+)'\n  match_type: regex\n  name: x\n  labels:\n    aa: $1x\n    bb: ${2}\n");
    expect(cfg.matcher.match('foo.bar', 'counter')?.labels).toEqual({ aa: 'foo', bb: 'bar' });
  });
});
