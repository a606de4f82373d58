// Series identity: two different label sets never share a series key, whatever their values hold.
import { labelKeys } from '../../src/registry/label-key';

describe('labelKeys', () => {
  test.each([
    [{ a: 'x\u0001y', b: 'z' }, { a: 'x', b: 'y\u0001z' }],
    [{ a: '1:x', b: '' }, { a: '1', b: 'x' }],
    [{ a: '' }, { a: '0:' }],
  ])('%j and %j are different series', (l1, l2) => {
    expect(labelKeys(l1).namesKey).toBe(labelKeys(l2).namesKey);
    expect(labelKeys(l1).valuesKey).not.toBe(labelKeys(l2).valuesKey);
  });

  test('the order labels arrive in does not matter', () => {
    expect(labelKeys({ b: '2', a: '1' })).toEqual(labelKeys({ a: '1', b: '2' }));
  });

  test('different label names make different vectors', () => {
    expect(labelKeys({ a: '1' }).namesKey).not.toBe(labelKeys({ b: '1' }).namesKey);
  });
});
