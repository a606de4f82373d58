// statsd_exporter's line and packet tests (shared/conformance/line.json) against LineParser.
// Vectors are read where they live ($CONFORMANCE_DIR or ../shared/conformance), never copied.
import { LineParser } from '../../src/line/parser';
import type { StatsdEvent } from '../../src/line/events';
import { loadVectors, type VectorEvent } from '../support/conformance';

interface LineVector {
  name: string;
  input: string | null;
  input_base64?: string;
  input_kind: 'line' | 'packet';
  flags: { dogstatsd: boolean; influxdb: boolean; librato: boolean; signalfx: boolean };
  expected: VectorEvent[];
  check: 'prefix' | 'exact';
  observed_upstream_event_count?: number;
}

const vectors = loadVectors<LineVector>('line.json');

function inputBytes(v: LineVector): Buffer {
  if (v.input !== null) return Buffer.from(v.input, 'utf8');
  if (v.input_base64 === undefined) throw new Error(`${v.name}: neither input nor input_base64`);
  return Buffer.from(v.input_base64, 'base64');
}

/** The lines Go's bufio.Reader.ReadLine yields for a TCP stream. */
function readLines(stream: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < stream.length) {
    const nl = stream.indexOf(0x0a, start);
    if (nl === -1) {
      lines.push(stream.subarray(start)); // the last line, unterminated: a '\r' stays
      break;
    }
    const end = nl > start && stream[nl - 1] === 0x0d ? nl - 1 : nl;
    lines.push(stream.subarray(start, end));
    start = nl + 1;
  }
  return lines;
}

/** A comparable form: numbers compare numerically (NaN equals NaN, -0 equals 0), labels as maps. */
function normalize(e: StatsdEvent | VectorEvent): Record<string, unknown> {
  const value = typeof e.value === 'string' ? e.value : Number.isNaN(e.value) ? NaN : e.value + 0;
  const labels = Object.fromEntries(Object.entries(e.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return e.type === 'gauge' ? { type: e.type, name: e.name, value, relative: e.relative ?? false, labels } : { type: e.type, name: e.name, value, labels };
}

function check(v: LineVector, events: StatsdEvent[], path: string): void {
  const expected = v.expected.map(normalize);
  if (v.check === 'exact') {
    expect({ path, events: events.map(normalize) }).toEqual({ path, events: expected });
  } else {
    // Go compares events[i] for i < len(expected) only (and would panic on fewer events).
    expect({ path, events: events.slice(0, expected.length).map(normalize) }).toEqual({ path, events: expected });
    // Beyond what the Go test asserts: upstream's own event count, recorded where it
    // differs from the expected list (observed_upstream_event_count).
    expect({ path, count: events.length }).toEqual({ path, count: v.observed_upstream_event_count ?? expected.length });
  }
}

describe('line.json', () => {
  test('has the documented 330 vectors', () => {
    expect(vectors).toHaveLength(330);
  });

  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const parser = new LineParser(v.flags);
    const bytes = inputBytes(v);

    if (v.input_kind === 'line') {
      const viaBuffer: StatsdEvent[] = [];
      parser.parseLineBuffer(bytes, viaBuffer);
      check(v, viaBuffer, 'parseLineBuffer');
      if (v.input !== null) {
        const viaString: StatsdEvent[] = [];
        parser.parseLine(v.input, viaString);
        check(v, viaString, 'parseLine');
      }
      return;
    }

    // A packet goes through both listeners upstream: UDP (split on "\n") and TCP (ReadLine).
    const viaUdp: StatsdEvent[] = [];
    const lineCount = parser.parsePacket(bytes, viaUdp);
    expect(lineCount).toBe(bytes.toString('latin1').split('\n').length);
    check(v, viaUdp, 'udp');

    const viaTcp: StatsdEvent[] = [];
    for (const line of readLines(bytes)) parser.parseLineBuffer(line, viaTcp);
    check(v, viaTcp, 'tcp');
  });
});
