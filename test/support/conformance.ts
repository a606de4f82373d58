// Locates ../shared/conformance (or $CONFORMANCE_DIR) and loads a vector file. The vectors are
// read where they live, never copied into this repo.
import fs from 'node:fs';
import path from 'node:path';

export const CONFORMANCE_DIR = process.env.CONFORMANCE_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'conformance');

export function loadVectors<T>(file: string): T[] {
  return JSON.parse(fs.readFileSync(path.join(CONFORMANCE_DIR, file), 'utf8')) as T[];
}

export interface VectorEvent {
  type: 'counter' | 'gauge' | 'observer';
  name: string;
  value: number;
  relative?: boolean;
  labels: Record<string, string>;
}

/** Turns an event back into a StatsD line that parses to exactly that event. */
export function eventToLine(e: VectorEvent): string {
  const tags = Object.entries(e.labels).map(([k, v]) => `${k}:${v}`);
  const tagPart = tags.length > 0 ? `|#${tags.join(',')}` : '';
  let value: string;
  if (e.type === 'gauge' && !e.relative && e.value < 0) throw new Error('an absolute negative gauge has no StatsD spelling');
  if (e.type === 'gauge' && e.relative) value = e.value >= 0 ? `+${e.value}` : String(e.value);
  else value = String(e.value);
  const type = e.type === 'counter' ? 'c' : e.type === 'gauge' ? 'g' : 'h';
  return `${e.name}:${value}|${type}${tagPart}`;
}
