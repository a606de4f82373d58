import { callObserved, isWrapped, originalOf, wrapMethod, WRAPPED, type AnyFn, type Settlement } from '../../src/emitter/wrap';

const passThrough = (orig: AnyFn): AnyFn =>
  function (this: unknown, ...args: unknown[]) {
    return orig.apply(this, args);
  };

describe('wrapMethod', () => {
  it('wraps an own prototype method once, keeping name, length, this and return value', () => {
    class A {
      constructor(readonly k: number) {}
      add(a: number, b: number): number {
        return this.k + a + b;
      }
    }
    const before = A.prototype.add;
    expect(wrapMethod(A.prototype, 'add', passThrough)).toBe('wrapped');
    expect(A.prototype.add).not.toBe(before);
    expect(A.prototype.add.name).toBe('add');
    expect(A.prototype.add.length).toBe(2);
    expect(isWrapped(A.prototype.add)).toBe(true);
    expect(originalOf(A.prototype.add)).toBe(before);
    expect(new A(1).add(2, 3)).toBe(6);
    // idempotent: the marker is recognised, whoever wrapped it
    expect(wrapMethod(A.prototype, 'add', passThrough)).toBe('already');
    expect((A.prototype.add as unknown as Record<symbol, unknown>)[WRAPPED]).toBe(before);
    // class methods stay non-enumerable
    expect(Object.keys(A.prototype)).toEqual([]);
  });

  it('leaves inherited methods, accessors and missing names alone', () => {
    class Base {
      m(): number {
        return 1;
      }
      get g(): number {
        return 2;
      }
    }
    class Sub extends Base {}
    expect(wrapMethod(Sub.prototype, 'm', passThrough)).toBe('absent');
    expect(wrapMethod(Base.prototype, 'g', passThrough)).toBe('absent');
    expect(wrapMethod(Base.prototype, 'nope', passThrough)).toBe('absent');
    expect(Object.prototype.hasOwnProperty.call(Sub.prototype, 'm')).toBe(false);
  });

  it('reports frozen targets as failed without throwing', () => {
    const o = Object.freeze({ m: () => 1 });
    expect(wrapMethod(o, 'm', passThrough)).toBe('failed');
    expect(o.m()).toBe(1);
  });
});

describe('callObserved', () => {
  const observe = (fn: AnyFn, thisArg: unknown = undefined, args: unknown[] = []) => {
    const seen: Settlement[] = [];
    const bugs: unknown[] = [];
    const out = callObserved(fn, thisArg, args, (s) => seen.push(s), (e) => bugs.push(e));
    return { out, seen, bugs };
  };

  it('keeps sync functions sync', () => {
    const { out, seen } = observe(function (this: { x: number }, a: unknown) {
      return [this.x, a];
    }, { x: 7 }, ['y']);
    expect(out).toEqual([7, 'y']);
    expect(seen).toEqual([{ failed: false, value: [7, 'y'], error: undefined }]);
  });

  it('rethrows the very same sync error', () => {
    const err = new Error('boom');
    let caught: unknown;
    const seen: Settlement[] = [];
    try {
      callObserved(() => {
        throw err;
      }, null, [], (s) => seen.push(s), () => undefined);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(err);
    expect(seen[0]).toMatchObject({ failed: true, error: err });
  });

  it('settles native promises with the same value / the same error', async () => {
    const ok = observe(async () => 42);
    expect(ok.out).toBeInstanceOf(Promise);
    await expect(ok.out).resolves.toBe(42);
    expect(ok.seen).toEqual([{ failed: false, value: 42, error: undefined }]);

    const err = new Error('async boom');
    const bad = observe(async () => {
      throw err;
    });
    await expect(bad.out).rejects.toBe(err);
    expect(bad.seen[0]).toMatchObject({ failed: true, error: err });
  });

  it('returns a non-native thenable itself (extra methods survive)', async () => {
    class ApiPromise<T> extends Promise<T> {
      withResponse(): string {
        return 'extra';
      }
    }
    const p = new ApiPromise<number>((resolve) => resolve(5));
    const { out, seen } = observe(() => p);
    expect(out).toBe(p);
    await p;
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([{ failed: false, value: 5, error: undefined }]);
  });

  it('contains a throwing reporter', async () => {
    const bugs: unknown[] = [];
    const out = callObserved(async () => 'v', null, [], () => {
      throw new Error('reporter bug');
    }, (e) => bugs.push(e));
    await expect(out).resolves.toBe('v');
    expect(bugs).toHaveLength(1);
  });
});
