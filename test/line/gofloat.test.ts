// parseGoFloat must be Go's strconv.ParseFloat(s, 64). The expectations below were checked
// against Go (1.19, whose strconv grammar is the current one), including Go's own atof tests.
import { parseGoFloat, parseGoFloatResult } from '../../src/line/gofloat';

const accepted: Array<[string, number]> = [
  ['0', 0],
  ['1', 1],
  ['+1', 1],
  ['-1', -1],
  ['-0', -0],
  ['007', 7],
  ['1.5', 1.5],
  ['.5', 0.5],
  ['5.', 5],
  ['-.5', -0.5],
  ['1e3', 1000],
  ['1E3', 1000],
  ['1e+3', 1000],
  ['1e-3', 0.001],
  ['1.e2', 100],
  ['625e-3', 0.625],
  ['123456789012345678901234567890', 1.2345678901234568e29],
  ['1.7976931348623157e308', 1.7976931348623157e308],
  ['1.7976931348623158e308', 1.7976931348623157e308], // rounds down to the largest double
  ['4.9406564584124654e-324', 5e-324],
  ['2e-324', 0], // underflow is not an error
  ['1e-400', 0],
  ['-1e-400', -0],
  ['0e99999', 0],
  // Underscores between digits, in decimal too (Go literal syntax).
  ['1_000', 1000],
  ['1_23.50_0_0e+1_2', 1.235e14],
  ['0_1', 1],
  // Specials: any letter case; inf/infinity may be signed, nan may not.
  ['inf', Infinity],
  ['Inf', Infinity],
  ['+INF', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['-Infinity', -Infinity],
  ['+INFINITY', Infinity],
  ['nan', NaN],
  ['NaN', NaN],
  ['NAN', NaN],
  // Hex floats: the 'p' exponent is mandatory.
  ['0x1p-2', 0.25],
  ['0X1P-2', 0.25],
  ['0x1p0', 1],
  ['0x1ep-1', 15],
  ['-0x1_ep-1', -15],
  ['0x_1_2.3_4_5p+1_2', 74565],
  ['0x.8p1', 1],
  ['0x1fFe2.p0', 131042],
  ['0x1.fffffffffffffp1023', 1.7976931348623157e308],
  ['0x1p-1074', 5e-324],
  ['0x1p-1075', 0], // exactly half the smallest subnormal: ties to even (0)
  ['0x1.8p-1075', 5e-324],
  ['0x1.00000000000008p0', 1], // halfway: ties to even
  ['0x1.000000000000081p0', 1.0000000000000002],
];

const syntaxErrors = [
  '',
  ' 1',
  '1 ',
  '1x',
  '1.1.',
  '+',
  '-',
  '.',
  '.e1',
  '1e',
  '1e-',
  '1e+',
  'e1',
  '1\x00',
  // JS Number() accepts these; Go does not.
  '0b1',
  '0o7',
  'Infinity ',
  '\t1',
  // Bad underscores.
  '_1',
  '1_',
  '1__0',
  '1_.5',
  '1._5',
  '1e_1',
  '1e1_',
  '-_1',
  '0x__1p0',
  // nan takes no sign and nothing after; inf only "inf" or "infinity".
  '+nan',
  '-nan',
  'nanx',
  'infx',
  'infin',
  'infinityy',
  // Hex needs digits and a 'p' exponent; 'e' is a hex digit, not an exponent.
  '0x',
  '0x1',
  '0x1e2',
  '0x.p1',
  '0x1p',
  '0x1p+',
  '1p2',
];

const rangeErrors: Array<[string, number]> = [
  ['1e400', Infinity],
  ['-1e400', -Infinity],
  ['2e308', Infinity],
  ['1.7976931348623159e308', Infinity],
  ['1e+18446744073709551616', Infinity],
  ['0x1p1024', Infinity],
  ['-0x1p1024', -Infinity],
  ['0x1.fffffffffffff8p1023', Infinity],
];

describe('parseGoFloat', () => {
  test.each(accepted)('accepts %j', (input, expected) => {
    expect(parseGoFloat(input)).toBe(expected); // toBe uses Object.is: -0 and NaN are exact
    expect(parseGoFloatResult(input)).toEqual({ value: expected, error: null });
  });

  test.each(syntaxErrors.map((s) => [s]))('rejects %j (syntax)', (input) => {
    expect(parseGoFloat(input)).toBeUndefined();
    expect(parseGoFloatResult(input)).toEqual({ value: 0, error: 'syntax' });
  });

  test.each(rangeErrors)('rejects %j (range), returning ±Inf like Go', (input, value) => {
    expect(parseGoFloat(input)).toBeUndefined();
    expect(parseGoFloatResult(input)).toEqual({ value, error: 'range' });
  });

  test('long inputs: thousands of digits, huge exponents', () => {
    expect(parseGoFloat('2.' + '2'.repeat(4000) + 'e+1')).toBe(22.22222222222222);
    expect(parseGoFloat('1.00000000000000011102230246251565404236316680908203125' + '0'.repeat(10000) + '1')).toBe(1.0000000000000002);
    expect(parseGoFloat('0x1.00000000000008' + '0'.repeat(10000) + '1p0')).toBe(1.0000000000000002);
    expect(parseGoFloat('0.' + '0'.repeat(20000) + '1e20005')).toBe(10000);
    // Go ignores exponent digits once the exponent reaches 10000: it reads e100001 as e10000,
    // so this is 1 in Go (exactly it would be 1e90001, out of range).
    expect(parseGoFloat('0.' + '0'.repeat(9999) + '1e100001')).toBe(1);
  });
});
