// Go RE2 patterns, run by an RE2 engine with Go's meaning.
import { compileGoRegexp, GoRegexpError } from '../../src/mapper/go-regexp';

function find(pattern: string, text: string): string | null {
  const m = compileGoRegexp(pattern).exec(text);
  return m === null ? null : (m[0] ?? null);
}

describe('Go regexp semantics', () => {
  it.each([
    // [pattern, text, whole match or null]
    ['foo', 'xfooy', 'foo'], // unanchored
    ['^foo$', 'xfooy', null],
    ['a|ab', 'ab', 'a'], // leftmost-first
    ['(?i)abc', 'xABC', 'ABC'],
    ['(?i:ab)c', 'ABc', 'ABc'],
    ['(?i:ab)c', 'ABC', null],
    ['a(?i)b', 'aB', 'aB'],
    ['(?i)k', '\u212a', '\u212a'], // Kelvin sign folds to k in Go
    ['(?i)[a-c]+', 'xABCd', 'ABC'],
    ['.', '\n', null],
    ['(?s).', '\n', '\n'],
    ['.', '\r', '\r'], // only \n is special for Go's dot
    ['^b$', 'a\nb\nc', null],
    ['(?m)^b$', 'a\nb\nc', 'b'],
    ['\\s', '\v', null], // Go's \s has no \v
    ['\\s+', ' \t\n\f\r', ' \t\n\f\r'],
    ['\\w+', 'héllo', 'h'], // ASCII \w
    ['\\d+', '١٢3', '3'], // ASCII \d
    ['[[:alpha:]]+', '12abC3', 'abC'],
    ['[[:^digit:]]+', '12ab3', 'ab'],
    ['[^[:space:]]+', ' ab ', 'ab'],
    ['\\pL+', '12äbc3', 'äbc'],
    ['\\p{Greek}+', 'abαβγd', 'αβγ'],
    ['\\PL+', 'ab12cd', '12'],
    ['\\p{^L}+', 'ab12cd', '12'],
    ['[\\p{Lu}\\d]+', 'abC1Dx', 'C1D'],
    ['\\x{263a}', 'a☺b', '☺'],
    ['\\x41', 'A', 'A'],
    ['\\101', 'A', 'A'], // octal
    ['\\Q.*+\\E', 'a.*+b', '.*+'],
    ['\\Qab', 'xab', 'ab'],
    ['a{,2}', 'a{,2}', 'a{,2}'], // not a repeat in Go: literal
    ['a{2}', 'aaa', 'aa'],
    ['a{2,}', 'aaaa', 'aaaa'],
    ['a{1,2}?', 'aaa', 'a'],
    ['(?U)a+', 'aaa', 'a'],
    ['(?U)a+?', 'aaa', 'aaa'],
    ['\\Aab\\z', 'ab', 'ab'],
    ['\\bfoo\\b', 'a foo b', 'foo'],
    ['\\Bo\\B', 'fo', null],
    ['\\Bo\\B', 'foo', 'o'],
    ['^*a', 'a', 'a'], // a repeated assertion is allowed in Go
    ['a]b}', 'a]b}', 'a]b}'],
    ['a/b', 'a/b', 'a/b'],
    ['\\.\\-\\_\\/', '.-_/', '.-_/'],
    ['[]a]+', ']a]', ']a]'],
    ['[a-]+', 'a-a', 'a-a'],
    ['[\\[\\]]+', '[]', '[]'],
    ['(?:ab)+', 'ababx', 'abab'],
    ['(?P<x>a)(?<y>b)', 'ab', 'ab'],
    ['😀+', '😀😀', '😀😀'], // a non-BMP character is one character
    ['[😀-😂]', '😁', '😁'],
  ])('%p on %p', (pattern, text, expected) => {
    expect(find(pattern, text)).toBe(expected);
  });

  it('numbers groups like Go and reports their names', () => {
    const regexp = compileGoRegexp('(a)(?:b)(?P<name>c)(?<1x>d)');
    expect(regexp.groupNames).toEqual([null, null, 'name', '1x']);
    expect(regexp.exec('abcd')).toEqual(['abcd', 'a', 'c', 'd']);
  });

  it('throws GoRegexpError with Go\'s message', () => {
    expect(() => compileGoRegexp('*a')).toThrow(GoRegexpError);
    expect(() => compileGoRegexp('*a')).toThrow('error parsing regexp: missing argument to repetition operator: `*`');
    expect(() => compileGoRegexp('a{2}{3}')).toThrow('error parsing regexp: invalid nested repetition operator: `{2}{3}`');
    expect(() => compileGoRegexp('(?i')).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?i`');
    expect(() => compileGoRegexp('(?-)')).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?-)`');
    expect(() => compileGoRegexp('(?P<n')).toThrow('error parsing regexp: invalid named capture: `(?P<n`');
    expect(() => compileGoRegexp('\\x{110000}')).toThrow('error parsing regexp: invalid escape sequence: `\\x{110000`');
    expect(() => compileGoRegexp('\\C')).toThrow('error parsing regexp: invalid escape sequence: `\\C`');
    expect(() => compileGoRegexp('[a')).toThrow('error parsing regexp: missing closing ]: `[a`');
    expect(() => compileGoRegexp('a{99999999999}')).toThrow('error parsing regexp: invalid repeat count: `{99999999999}`');
  });
});

describe('limits', () => {
  it('rejects absurd nesting like Go', () => {
    const deep = '('.repeat(1500) + ')'.repeat(1500);
    expect(() => compileGoRegexp(deep)).toThrow(/^error parsing regexp: expression nests too deeply/);
    expect(() => compileGoRegexp('('.repeat(100) + 'a' + ')'.repeat(100))).not.toThrow();
  });
});
