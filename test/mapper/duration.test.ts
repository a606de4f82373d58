// Go's time.ParseDuration, as used for ttl and max_age.
import { parseGoDuration, parseGoDurationNs } from '../../src/core/duration';
import { compile, compileError } from './helpers';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['1s', 1000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['5.s', 5000],
    ['1h2m3s4ms5us6ns', 3_723_004.005006],
    ['2us', 0.002],
    ['2\u00b5s', 0.002],
    ['2\u03bcs', 0.002],
    ['100ns', 0.0001],
    ['-1.5h', -5_400_000],
    ['1m2s', 62_000],
    ['0.000000001s', 0.000001],
    ['0.0000000001s', 0], // below a nanosecond: truncated
    ['2562047h47m16.854775807s', 9223372036854.775807],
  ])('%s = %p ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it('is exact in nanoseconds', () => {
    expect(parseGoDurationNs('1.000000001s')).toBe(1_000_000_001n);
    expect(parseGoDurationNs('9223372036854775807ns')).toBe(9223372036854775807n);
    expect(parseGoDurationNs('-9223372036854775808ns')).toBe(-9223372036854775808n);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['1', 'time: missing unit in duration "1"'],
    ['10', 'time: missing unit in duration "10"'],
    ['abc', 'time: invalid duration "abc"'],
    ['1x', 'time: unknown unit "x" in duration "1x"'],
    ['1S', 'time: unknown unit "S" in duration "1S"'],
    ['1 s', 'time: unknown unit " s" in duration "1 s"'],
    ['.s', 'time: invalid duration ".s"'],
    ['-', 'time: invalid duration "-"'],
    ['1s-1s', 'time: unknown unit "s-" in duration "1s-1s"'],
    ['1s.', 'time: invalid duration "1s."'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ])('rejects %p with Go\'s message', (text, message) => {
    expect(() => parseGoDurationNs(text)).toThrow(message);
    expect(parseGoDuration(text)).toBeNull();
  });
});

describe('durations in a mapping file', () => {
  it('ttl and max_age are Go durations', () => {
    const cfg = compile(
      'defaults:\n  ttl: 1m30s\n  summary_options:\n    max_age: 1.5m\nmappings:\n- match: a.*\n  name: a\n  ttl: 500ms\n- match: b.*\n  name: b\n  observer_type: summary\n',
    );
    expect(cfg.defaults.ttlMs).toBe(90_000);
    expect(cfg.defaults.summaryOptions.maxAgeSeconds).toBe(90);
    expect(cfg.mappings[0].ttlMs).toBe(500);
    expect(cfg.mappings[1].ttlMs).toBe(90_000); // from defaults
    expect(cfg.mappings[1].summaryOptions.maxAgeSeconds).toBe(90);
  });

  it('a quoted duration works; a bare integer is nanoseconds, as yaml.v2 decodes it', () => {
    const cfg = compile('defaults:\n  ttl: "2s"\nmappings:\n- match: a.*\n  name: a\n  ttl: 1000000\n');
    expect(cfg.defaults.ttlMs).toBe(2000);
    expect(cfg.mappings[0].ttlMs).toBe(1);
  });

  it('ttl 0 on a rule inherits the default ttl; a negative one is kept', () => {
    const cfg = compile('defaults:\n  ttl: 1s\nmappings:\n- match: a.*\n  name: a\n  ttl: 0\n- match: b.*\n  name: b\n  ttl: -1s\n');
    expect(cfg.mappings[0].ttlMs).toBe(1000);
    expect(cfg.mappings[1].ttlMs).toBe(-1000);
  });

  it('a bad duration is a yaml.v2 type error', () => {
    expect(compileError('defaults:\n  summary_options:\n    max_age: 5 m\n')).toBe(
      'test.yml: defaults.summary_options.max_age: line 3: cannot unmarshal !!str `5 m` into time.Duration',
    );
  });
});
