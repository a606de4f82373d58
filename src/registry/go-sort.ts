// Go's sort.Sort (pattern-defeating quicksort, Go 1.19 and later) on a Float64Array prefix,
// with Go's `a[i] < a[j]` as Less.
//
// Why not Float64Array.prototype.sort: values that compare neither less nor greater (NaN
// against anything, -0 against 0) end up in an order that only Go's exact sequence of
// comparisons and swaps reproduces, and the CKMS stream's answer depends on that order (which
// of -0/0 or which neighbour of a NaN a quantile returns). Each step below follows
// src/sort/zsortinterface.go's behaviour, including its quirks (partialInsertionSort shifts
// down to index 1, not to `a`), so the permutation is Go's. Learned from reading the Go source;
// written here for a typed array.

/** Sorts data[0:n] exactly as Go's sort.Sort sorts a slice whose Less is `x[i] < x[j]`. */
export function goSort(data: Float64Array, n: number): void {
  if (n <= 1) return;
  pdqsort(data, 0, n, bitLength(n));
}

/** Go's bits.Len(uint(n)) for 0 <= n < 2^32. */
function bitLength(n: number): number {
  return 32 - Math.clz32(n);
}

function swap(d: Float64Array, i: number, j: number): void {
  const t = d[i];
  d[i] = d[j];
  d[j] = t;
}

const MAX_INSERTION = 12;
const UNKNOWN_HINT = 0;
const INCREASING_HINT = 1;
const DECREASING_HINT = 2;

function insertionSort(d: Float64Array, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && d[j] < d[j - 1]; j--) swap(d, j, j - 1);
  }
}

function siftDown(d: Float64Array, lo: number, hi: number, first: number): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && d[first + child] < d[first + child + 1]) child++;
    if (!(d[first + root] < d[first + child])) return;
    swap(d, first + root, first + child);
    root = child;
  }
}

function heapSort(d: Float64Array, a: number, b: number): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.trunc((hi - 1) / 2); i >= 0; i--) siftDown(d, i, hi, first);
  for (let i = hi - 1; i >= 0; i--) {
    swap(d, first, first + i);
    siftDown(d, 0, i, first);
  }
}

function pdqsort(d: Float64Array, a: number, b: number, limit: number): void {
  let wasBalanced = true;
  let wasPartitioned = true;
  for (;;) {
    const length = b - a;
    if (length <= MAX_INSERTION) {
      insertionSort(d, a, b);
      return;
    }
    if (limit === 0) {
      heapSort(d, a, b);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(d, a, b);
      limit--;
    }
    let [pivot, hint] = choosePivot(d, a, b);
    if (hint === DECREASING_HINT) {
      reverseRange(d, a, b);
      pivot = b - 1 - (pivot - a);
      hint = INCREASING_HINT;
    }
    if (wasBalanced && wasPartitioned && hint === INCREASING_HINT) {
      if (partialInsertionSort(d, a, b)) return;
    }
    // Many duplicates: split off the elements equal to the pivot.
    if (a > 0 && !(d[a - 1] < d[pivot])) {
      a = partitionEqual(d, a, b, pivot);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(d, a, b, pivot);
    wasPartitioned = alreadyPartitioned;
    const leftLen = mid - a;
    const rightLen = b - mid;
    const balanceThreshold = Math.trunc(length / 8);
    if (leftLen < rightLen) {
      wasBalanced = leftLen >= balanceThreshold;
      pdqsort(d, a, mid, limit);
      a = mid + 1;
    } else {
      wasBalanced = rightLen >= balanceThreshold;
      pdqsort(d, mid + 1, b, limit);
      b = mid;
    }
  }
}

function partition(d: Float64Array, a: number, b: number, pivot: number): [number, boolean] {
  swap(d, a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && d[i] < d[a]) i++;
  while (i <= j && !(d[j] < d[a])) j--;
  if (i > j) {
    swap(d, j, a);
    return [j, true];
  }
  swap(d, i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && d[i] < d[a]) i++;
    while (i <= j && !(d[j] < d[a])) j--;
    if (i > j) break;
    swap(d, i, j);
    i++;
    j--;
  }
  swap(d, j, a);
  return [j, false];
}

function partitionEqual(d: Float64Array, a: number, b: number, pivot: number): number {
  swap(d, a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !(d[a] < d[i])) i++;
    while (i <= j && d[a] < d[j]) j--;
    if (i > j) break;
    swap(d, i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort(d: Float64Array, a: number, b: number): boolean {
  const maxSteps = 5;
  const shortestShifting = 50;
  let i = a + 1;
  for (let step = 0; step < maxSteps; step++) {
    while (i < b && !(d[i] < d[i - 1])) i++;
    if (i === b) return true;
    if (b - a < shortestShifting) return false;
    swap(d, i, i - 1);
    // Go's loop bound is the absolute index 1, not a+1; kept so the permutation is the same.
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!(d[j] < d[j - 1])) break;
        swap(d, j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!(d[j] < d[j - 1])) break;
        swap(d, j, j - 1);
      }
    }
  }
  return false;
}

const MASK64 = (1n << 64n) - 1n;

function breakPatterns(d: Float64Array, a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  // Go's xorshift on a uint64 seeded with the length (rare path: BigInt is fine here).
  let random = BigInt(length);
  const modulus = 2 ** bitLength(length);
  const mid = a + Math.trunc(length / 4) * 2;
  for (let idx = mid - 1; idx <= mid + 1; idx++) {
    random ^= (random << 13n) & MASK64;
    random ^= random >> 17n;
    random ^= (random << 5n) & MASK64;
    let other = Number(random & BigInt(modulus - 1));
    if (other >= length) other -= length;
    swap(d, idx, a + other);
  }
}

function choosePivot(d: Float64Array, a: number, b: number): [number, number] {
  const shortestNinther = 50;
  const maxSwaps = 4 * 3;
  const l = b - a;
  const swaps = { n: 0 };
  const q = Math.trunc(l / 4);
  let i = a + q;
  let j = a + q * 2;
  let k = a + q * 3;
  if (l >= 8) {
    if (l >= shortestNinther) {
      i = median(d, i - 1, i, i + 1, swaps);
      j = median(d, j - 1, j, j + 1, swaps);
      k = median(d, k - 1, k, k + 1, swaps);
    }
    j = median(d, i, j, k, swaps);
  }
  if (swaps.n === 0) return [j, INCREASING_HINT];
  if (swaps.n === maxSwaps) return [j, DECREASING_HINT];
  return [j, UNKNOWN_HINT];
}

/** Go's median(data, a, b, c, &swaps): three order2 steps, each counting a swap of indices. */
function median(d: Float64Array, a: number, b: number, c: number, swaps: { n: number }): number {
  if (d[b] < d[a]) {
    swaps.n++;
    [a, b] = [b, a];
  }
  if (d[c] < d[b]) {
    swaps.n++;
    [b, c] = [c, b];
  }
  if (d[b] < d[a]) {
    swaps.n++;
    [a, b] = [b, a];
  }
  return b;
}

function reverseRange(d: Float64Array, a: number, b: number): void {
  let i = a;
  let j = b - 1;
  while (i < j) {
    swap(d, i, j);
    i++;
    j--;
  }
}
