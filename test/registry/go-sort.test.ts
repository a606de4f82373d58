// Go's sort.Sort permutation, reproduced (src/registry/go-sort.ts). The expected orders below
// were printed by Go 1.19's sort.Sort on a type whose Less is `a[i] < a[j]` (the same Less as
// perks' Samples), for the inputs built here; NaN and -0/0 compare neither way, so these orders
// are the algorithm's fingerprint, and a different sort (Float64Array.prototype.sort) fails them.
import { goSort } from '../../src/registry/go-sort';

function show(a: Float64Array): string {
  return Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v))).join(', ');
}

function sorted(values: number[]): string {
  const a = Float64Array.from(values);
  goSort(a, a.length);
  return show(a);
}

describe("goSort: Go's pdqsort permutation", () => {
  test('insertion sort (n <= 12): NaN stops the shifting', () => {
    expect(sorted([2, NaN, 1, 3, NaN, 0])).toBe('2, NaN, 1, 3, NaN, 0');
  });

  test('60 descending values with NaN every 7th (ninther pivot, reversal, partitions)', () => {
    const v: number[] = [];
    for (let i = 0; i < 60; i++) v.push(i % 7 === 3 ? NaN : 60 - i);
    expect(sorted(v)).toBe('2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 30, 31, 32, 33, 34, 35, 37, 38, 39, 40, 41, 42, 44, 45, NaN, NaN, NaN, NaN, 60, 46, 47, NaN, 48, 49, NaN, 51, 52, 53, NaN, 54, 55, 56, NaN, 58, 59, NaN');
  });

  test('40 values of -0, 0 and 1 (equal-element partitions)', () => {
    const v: number[] = [];
    for (let i = 0; i < 40; i++) v.push(i % 5 === 0 ? 1 : i % 2 === 0 ? -0 : 0);
    expect(sorted(v)).toBe('-0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0, 0, 0, 0, -0, 0, -0, 0, -0, 0, -0, 0, -0, -0, -0, 0, -0, 0, 0, -0, 1, 1, 1, 1, 1, 1, 1, 1');
  });

  test('200 small integers with NaN (many duplicates, pattern breaking)', () => {
    const v: number[] = [];
    let x = 12345;
    for (let i = 0; i < 200; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const d = (x >>> 16) % 11;
      v.push(d === 10 ? NaN : d);
    }
    expect(sorted(v)).toBe('0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, NaN, 7, 9, 6, 8, 7, 8, 8, 7, 8, 9, NaN, 6, 9, 8, 9, 9, 9, 7, 6, 9, 6, 6, 9, 6, 6, 6, NaN, 6, 6, 9, 8, 9, 8, NaN, 6, 9, 7, 8, NaN, 7, 7, 7, NaN, 9, 9, 6, NaN, 8, 7, 8, 8, 8, 7, 8, 7, 9, 8, 6, 6, 9, 7, 9, NaN, 7, 6, NaN, NaN, 6, 7, 9, NaN, NaN, 6, NaN, 8, 7, 9, 7, 8, 7, 7, 8, 8, 7, NaN, NaN, 9, 9, 9, 6, 9, 8, 9, 7, 8, 6, 6, 8, NaN, 9, 6, 9, 7, 7, NaN, 8, 8, NaN');
  });

  test('without NaN it is a plain ascending sort (random arrays of every size to 600)', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let n = 0; n <= 600; n += 7) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = Math.floor(rnd() * (n % 3 === 0 ? 5 : 1000)) - (n % 3 === 0 ? 2 : 200);
      const want = Array.from(a).sort((p, q) => p - q);
      goSort(a, n);
      expect(Array.from(a)).toEqual(want);
    }
  });

  test('sorts only the prefix it is given', () => {
    const a = Float64Array.from([3, 2, 1, 0]);
    goSort(a, 3);
    expect(Array.from(a)).toEqual([1, 2, 3, 0]);
  });
});
