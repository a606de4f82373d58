// Keys that identify a label-name set and a series. Names cannot contain \u0000, so it separates
// them; values can contain anything, so each is prefixed with its length (no two label sets share
// a key, whatever their values hold). A series key is only compared within its vector (one
// label-name set), so with a single label the value itself is the key: no string is built, and a
// series shares its key with its label value.
import type { Labels } from '../line/events';

export interface LabelKeys {
  names: string[];
  /** Identifies the label-name set (the vector). */
  namesKey: string;
  /** Identifies the series within the vector. */
  valuesKey: string;
}

export function labelKeys(labels: Labels): LabelKeys {
  const names = Object.keys(labels);
  if (names.length === 1) return { names, namesKey: names[0], valuesKey: labels[names[0]] };
  if (names.length > 1) sortNames(names);
  let namesKey = '';
  let valuesKey = '';
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    namesKey += i === 0 ? n : '\u0000' + n;
    const v = labels[n];
    valuesKey += v.length + ':' + v;
  }
  return { names, namesKey, valuesKey };
}

/**
 * `s` as a flat string of its own: a label value cut out of a packet (a substring) would
 * otherwise keep the whole packet text alive for as long as the series lives. Longer strings
 * come from V8's string table, so equal ones (e.g. a route) are shared between series.
 */
export function intern(s: string): string {
  // V8 copies substrings shorter than 13 characters (and never builds a rope that short): those
  // are flat strings of their own already.
  if (s.length < 13) return s;
  // A null-prototype object: "__proto__" is an ordinary key there.
  const o = Object.create(null) as Record<string, number>;
  o[s] = 0;
  return Object.keys(o)[0];
}

/** Labels with every name and value interned (same order); for what outlives a packet. */
export function internLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels)) {
    const key = intern(k);
    if (key === '__proto__') Object.defineProperty(out, key, { value: intern(labels[k]), enumerable: true, writable: true, configurable: true });
    else out[key] = intern(labels[k]);
  }
  return out;
}

/**
 * Array.prototype.sort's order (UTF-16 code units) for the few names a series has: V8's sort
 * allocates work arrays on every call (about 1.5 KB), which a series lookup cannot afford.
 */
function sortNames(names: string[]): void {
  if (names.length > 16) {
    names.sort();
    return;
  }
  for (let i = 1; i < names.length; i++) {
    const x = names[i];
    let j = i - 1;
    while (j >= 0 && names[j] > x) {
      names[j + 1] = names[j];
      j--;
    }
    names[j + 1] = x;
  }
}
