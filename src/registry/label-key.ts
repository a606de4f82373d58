// Keys that identify a label-name set and a series. Separators are bytes that cannot occur in
// label names and are vanishingly rare in values (\u0000, \u0001), so no escaping is needed.
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
  if (names.length > 1) names.sort();
  let namesKey = '';
  let valuesKey = '';
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    namesKey += i === 0 ? n : '\u0000' + n;
    valuesKey += i === 0 ? labels[n] : '\u0001' + labels[n];
  }
  return { names, namesKey, valuesKey };
}
