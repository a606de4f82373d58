// Generic, behaviour-preserving method wrapping.
// A wrapper keeps `this`, the arguments, the return value (sync stays sync; a native promise
// settles with the same value or the same error) and rethrows the very same error. Wrapping is
// idempotent: a method that already carries the marker is never wrapped again, whoever wrapped it.

/** Marks a wrapper and holds the original. `Symbol.for` so two copies of the emitter agree. */
export const WRAPPED: unique symbol = Symbol.for('statsd-bridge.emitter.wrapped') as never;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFn = (this: any, ...args: any[]) => any;

export type WrapResult = 'wrapped' | 'already' | 'absent' | 'failed';

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[WRAPPED] !== undefined;
}

export function originalOf<F>(fn: F): F {
  let f: unknown = fn;
  while (isWrapped(f)) f = (f as unknown as Record<symbol, unknown>)[WRAPPED];
  return f as F;
}

/**
 * Replaces the *own* method `name` of `target` (a prototype or a plain object) with `make(orig)`.
 * Accessors, inherited methods and non-functions are left alone ('absent').
 */
export function wrapMethod(target: object, name: string, make: (orig: AnyFn) => AnyFn): WrapResult {
  let desc: PropertyDescriptor | undefined;
  try {
    desc = Object.getOwnPropertyDescriptor(target, name);
  } catch {
    return 'failed';
  }
  if (!desc || typeof desc.value !== 'function') return 'absent';
  const orig = desc.value as AnyFn;
  if (isWrapped(orig)) return 'already';
  if (!desc.writable && !desc.configurable) return 'failed';
  try {
    const wrapper = make(orig);
    Object.defineProperty(wrapper, 'name', { value: orig.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: orig.length, configurable: true });
    Object.defineProperty(wrapper, WRAPPED, { value: orig });
    if (desc.configurable) Object.defineProperty(target, name, { ...desc, value: wrapper });
    else (target as Record<string, unknown>)[name] = wrapper;
    return (target as Record<string, unknown>)[name] === wrapper ? 'wrapped' : 'failed';
  } catch {
    return 'failed';
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

export interface Settlement {
  failed: boolean;
  value: unknown;
  error: unknown;
}

/**
 * Calls `fn` and reports how it settled, without changing what the caller sees:
 *  - sync return / sync throw: reported at once, same value returned / same error rethrown;
 *  - a native Promise: the caller gets a promise settling with the same value or error
 *    (an unhandled rejection stays unhandled);
 *  - any other thenable (a Promise subclass with extra methods, ...): the caller gets the
 *    very same object; we observe it through a side chain that swallows nothing of theirs.
 * `report` and `onBug` never throw into the caller.
 */
export function callObserved(
  fn: AnyFn,
  thisArg: unknown,
  args: ArrayLike<unknown>,
  report: (s: Settlement) => void,
  onBug: (e: unknown) => void,
): unknown {
  const safeReport = (s: Settlement): void => {
    try {
      report(s);
    } catch (e) {
      try {
        onBug(e);
      } catch {
        /* never */
      }
    }
  };
  let result: unknown;
  try {
    result = fn.apply(thisArg, args as unknown[]);
  } catch (error) {
    safeReport({ failed: true, value: undefined, error });
    throw error;
  }
  if (result instanceof Promise && Object.getPrototypeOf(result) === Promise.prototype) {
    return result.then(
      (value) => {
        safeReport({ failed: false, value, error: undefined });
        return value;
      },
      (error: unknown) => {
        safeReport({ failed: true, value: undefined, error });
        throw error;
      },
    );
  }
  if (isThenable(result)) {
    try {
      result.then(
        (value) => safeReport({ failed: false, value, error: undefined }),
        (error: unknown) => safeReport({ failed: true, value: undefined, error }),
      );
    } catch (e) {
      onBug(e);
    }
    return result;
  }
  safeReport({ failed: false, value: result, error: undefined });
  return result;
}
