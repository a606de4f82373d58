// escape.json: EscapeMetricName vectors (upstream TestEscapeMetricName), read in place.
import fs from 'node:fs';
import path from 'node:path';
import { escapeMetricName } from '../../src/core/escape';

interface EscapeCase {
  name: string;
  go_test: string;
  input: string | null;
  input_base64?: string;
  expected: string;
}

const dir = process.env.CONFORMANCE_DIR ?? path.resolve(__dirname, '../../../shared/conformance');
const cases = JSON.parse(fs.readFileSync(path.join(dir, 'escape.json'), 'utf8')) as EscapeCase[];

describe('escape.json', () => {
  it('has vectors', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    if (c.input === null) {
      // Not valid UTF-8: there is no JavaScript string with these bytes.
      it.skip(`${c.name} (input is not valid UTF-8)`, () => undefined);
      continue;
    }
    const input = c.input;
    it(c.name, () => {
      expect(escapeMetricName(input)).toBe(c.expected);
    });
  }

  it('returns the very same string when nothing needs escaping', () => {
    const s = ['already', 'valid', 'name_', '123'].join('_');
    expect(escapeMetricName(s)).toBe(s);
  });
});
