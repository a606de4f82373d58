// LineParser behaviour the conformance vectors leave out: telemetry (every rejection reason,
// samples, tags, tag errors), packets, UTF-8, sample rates, dialect switches, edge cases.
import { SAMPLE_ERROR_REASONS, type StatsdEvent } from '../../src/line/events';
import { DEFAULT_MAX_OBSERVER_REPEAT, LineParser, type LineParserOptions, type TagDialects } from '../../src/line/parser';
import { RecordingTelemetry, type TelemetryCounts } from './recording-telemetry';

const ALL_DIALECTS: TagDialects = { dogstatsd: true, influxdb: true, librato: true, signalfx: true };
const NO_DIALECTS: TagDialects = { dogstatsd: false, influxdb: false, librato: false, signalfx: false };

function parse(line: string | Buffer, dialects: TagDialects = ALL_DIALECTS, options?: LineParserOptions) {
  const telemetry = new RecordingTelemetry();
  const parser = new LineParser(dialects, telemetry, options);
  const events: StatsdEvent[] = [];
  if (typeof line === 'string') parser.parseLine(line, events);
  else parser.parseLineBuffer(line, events);
  return { events, counts: telemetry.counts, errors: telemetry.errors };
}

function parsePacket(packet: Buffer, dialects: TagDialects = ALL_DIALECTS) {
  const telemetry = new RecordingTelemetry();
  const parser = new LineParser(dialects, telemetry);
  const events: StatsdEvent[] = [];
  const relayed: Array<{ line: string; bytes: Buffer }> = [];
  const lines = parser.parsePacket(packet, events, (line, bytes) => relayed.push({ line, bytes: Buffer.from(bytes) }));
  return { lines, events, counts: telemetry.counts, relayed };
}

function counts(partial: Partial<TelemetryCounts>): TelemetryCounts {
  return { samples: 0, sampleErrors: {}, tags: 0, tagErrors: 0, ...partial };
}

describe('rejection reasons', () => {
  // [line, dialects, expected events, expected telemetry]
  const cases: Array<[string, string | Buffer, TagDialects, number, TelemetryCounts]> = [
    ['malformed_line: no colon', 'foo', ALL_DIALECTS, 0, counts({ sampleErrors: { malformed_line: 1 } })],
    ['malformed_line: empty name', ':1|c', ALL_DIALECTS, 0, counts({ sampleErrors: { malformed_line: 1 } })],
    ['malformed_line: invalid UTF-8', Buffer.from([0x66, 0x6f, 0x6f, 0xff, 0x3a, 0x31, 0x7c, 0x63]), ALL_DIALECTS, 0, counts({ sampleErrors: { malformed_line: 1 } })],
    ['malformed_line: lone "\\r"', '\r', ALL_DIALECTS, 0, counts({ sampleErrors: { malformed_line: 1 } })],
    ['mixed_tagging_styles: Librato and DogStatsD', 'foo#a=b:1|c|#c:d', ALL_DIALECTS, 0, counts({ sampleErrors: { mixed_tagging_styles: 1 } })],
    ['mixed_tagging_styles: checked with DogStatsD parsing off', 'foo,a=b:1|c|#c:d', { ...ALL_DIALECTS, dogstatsd: false }, 0, counts({ sampleErrors: { mixed_tagging_styles: 1 } })],
    ['not_enough_parts_after_colon', 'foo:1', ALL_DIALECTS, 0, counts({ sampleErrors: { not_enough_parts_after_colon: 1 } })],
    ['invalid_extended_aggregate_type', 'foo:1:2|c', ALL_DIALECTS, 0, counts({ sampleErrors: { invalid_extended_aggregate_type: 1 } })],
    ['malformed_component: 7 components', 'foo:1|c|@1|#a:b|c:x|T1|@1', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { malformed_component: 1 } })],
    ['malformed_component: trailing empty component', 'foo:1|c|', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { malformed_component: 1 } })],
    ['malformed_component: multi-metric piece without "|"', 'foo:1|c:2', ALL_DIALECTS, 1, counts({ samples: 2, sampleErrors: { malformed_component: 1 } })],
    ['malformed_value: not a number', 'foo:abc|c', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { malformed_value: 1 } })],
    ['malformed_value: out of range', 'foo:1e400|c', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { malformed_value: 1 } })],
    ['malformed_value: before the empty-component check', 'foo:x|c|', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { malformed_value: 1 } })],
    ['invalid_sample_factor: bad rate, sample kept', 'foo:1|c|@abc', ALL_DIALECTS, 1, counts({ samples: 1, sampleErrors: { invalid_sample_factor: 1 } })],
    ['invalid_sample_factor: unknown component, sample dropped', 'foo:1|c|x', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { invalid_sample_factor: 1 } })],
    ['malformed_container_id: bare c', 'foo:1|c|c', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { malformed_container_id: 1 } })],
    ['malformed_container_id: empty id', 'foo:1|c|#a:b|c:', ALL_DIALECTS, 0, counts({ samples: 1, tags: 0, sampleErrors: { malformed_container_id: 1 } })],
    ['illegal_event: set', 'foo:1|s', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { illegal_event: 1 } })],
    ['illegal_event: unknown type', 'foo:1|t', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { illegal_event: 1 } })],
    ['illegal_event: type with a trailing "\\r"', 'foo:1|c\r', ALL_DIALECTS, 0, counts({ samples: 1, sampleErrors: { illegal_event: 1 } })],
    ['illegal_event: still counts tags', 'foo:1|x|#a:b', ALL_DIALECTS, 0, counts({ samples: 1, tags: 1, sampleErrors: { illegal_event: 1 } })],
  ];

  test.each(cases)('%s', (_name, line, dialects, eventCount, expected) => {
    const result = parse(line, dialects);
    expect(result.events).toHaveLength(eventCount);
    expect(result.counts).toEqual(expected);
  });

  test('every reason in SAMPLE_ERROR_REASONS is produced by some case', () => {
    const seen = new Set(cases.flatMap(([, , , , c]) => Object.keys(c.sampleErrors)));
    expect([...seen].sort()).toEqual([...SAMPLE_ERROR_REASONS].sort());
  });

  test('the offending line and a detail are reported', () => {
    const { errors } = parse('foo:1|t');
    expect(errors).toEqual([{ reason: 'illegal_event', line: 'foo:1|t', detail: 'bad stat type t' }]);
    expect(parse('foo:1|s').errors[0].detail).toBe('no support for StatsD sets');
  });

  test('an empty line is not an error', () => {
    expect(parse('')).toEqual({ events: [], counts: counts({}), errors: [] });
    expect(parse(Buffer.alloc(0))).toEqual({ events: [], counts: counts({}), errors: [] });
  });
});

describe('samples_total', () => {
  test.each([
    ['foo:1|c', 1],
    ['foo:1|c:2|g:3|ms', 3],
    ['foo:1|c:2|g:', 3], // an empty piece is a (malformed) sample too
    ['foo:1:2:3:4|ms', 4], // packed values
    ['foo:1|c|#a:b', 1],
    ['foo:1|h|@0.1', 1], // ten events, one sample
    ['foo:1|h|@2', 1], // no events, still a sample
    ['foo', 0],
    ['foo:1', 0],
    ['foo:1:2|g', 0],
    ['foo#a=b:1|c|#c:d', 0],
  ])('%j counts %i', (line, samples) => {
    expect(parse(line).counts.samples).toBe(samples);
  });
});

describe('tags_total (samples with labels, any dialect)', () => {
  test.each([
    ['foo:1|c', 0],
    ['foo:1|c|#a:b', 1],
    ['foo:1|c|#a', 0], // the only tag is broken: no labels
    ['foo:1|c|#a|c:abc', 1], // container_id is a label
    ['foo#a=b:1|c:2|g', 2], // name tags apply to every sample
    ['foo[a=b]:1|c', 1],
    ['foo,a=b:1|c', 1],
    ['foo:1:2:3|ms|#a:b', 3], // per packed value
    ['foo:1|ms|@0.25|#a:b', 1], // per sample, not per event
  ])('%j counts %i', (line, tags) => {
    expect(parse(line).counts.tags).toBe(tags);
  });
});

describe('tag errors', () => {
  test('DogStatsD: missing separator, empty key, empty value, empty tag; a trailing comma is fine', () => {
    const { events, counts: c } = parse('foo:1|c|#a,b:,:c,,d:e,#');
    expect(c.tagErrors).toBe(5); // "a", "b:", ":c", "", "#" (empty once the '#' is dropped)
    expect(events[0].labels).toEqual({ d: 'e' });
    expect(parse('foo:1|c|#d:e,').counts.tagErrors).toBe(0);
  });

  test('InfluxDB and Librato name tags', () => {
    const influx = parse('foo,a=b,,c=d,e,=f,g=:1|c');
    expect(influx.counts.tagErrors).toBe(4);
    expect(influx.events[0]).toEqual({ type: 'counter', name: 'foo', value: 1, labels: { a: 'b', c: 'd' } });
    expect(parse('foo#a=1,,b:1|c').counts.tagErrors).toBe(2);
  });

  test('SignalFX: one bracket only is an error and leaves the name as is', () => {
    for (const line of ['foo[a=b:1|c', 'fooa=b]:1|c']) {
      const { events, counts: c } = parse(line);
      expect(c.tagErrors).toBe(1);
      expect(events[0].name).toBe(line.slice(0, line.indexOf(':')));
    }
  });

  test('SignalFX: "]" before "[" is an error too (upstream panics here)', () => {
    const { events, counts: c } = parse(']x[:1|c');
    expect(c.tagErrors).toBe(1);
    expect(events).toEqual([{ type: 'counter', name: ']x[', value: 1, labels: {} }]);
  });

  test('packed values parse the shared tags once per value', () => {
    const { events, counts: c } = parse('foo:1:2:3|ms|#bad,ok:1');
    expect(c.tagErrors).toBe(3);
    expect(events).toHaveLength(3);
  });
});

describe('tags', () => {
  test('a DogStatsD tag value is split at its first ":" only', () => {
    const { events } = parse('llm.tokens:5|c|#model:llama3:8b,host:a');
    expect(events).toEqual([{ type: 'counter', name: 'llm.tokens', value: 5, labels: { model: 'llama3:8b', host: 'a' } }]);
  });

  test('tag keys are escaped, values are not', () => {
    const { events } = parse('foo:1|c|#a.b:x.y,9x:2,é-k:v v,with--dash:1');
    expect(events[0].labels).toEqual({ a_b: 'x.y', _9x: '2', __k: 'v v', with_dash: '1' });
  });

  test('the later of two equal keys wins', () => {
    expect(parse('foo:1|c|#a:1,a:2').events[0].labels).toEqual({ a: '2' });
  });

  test('a "__proto__" tag becomes an ordinary own label', () => {
    const labels = parse('foo:1|c|#__proto__:x').events[0].labels;
    expect(Object.keys(labels)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  test('container id and the v1.3 timestamp', () => {
    expect(parse('foo:1|c|#a:b|c:sha:1|T1656581400').events[0].labels).toEqual({ a: 'b', container_id: 'sha:1' });
    expect(parse('foo:1|c|Tgarbage').events).toHaveLength(1);
  });

  test('without "|#" a container id is cut apart by the multi-metric split (as upstream)', () => {
    const { events, counts: c } = parse('foo:1|c|c:abc');
    // Samples "1|c|c" (bare container id) and "abc" (no '|').
    expect(events).toEqual([]);
    expect(c).toEqual(counts({ samples: 2, sampleErrors: { malformed_container_id: 1, malformed_component: 1 } }));
  });

  test('all events of a line share one label map', () => {
    const { events } = parse('foo:1:2|ms|@0.5|#a:b');
    expect(events).toHaveLength(4);
    for (const e of events) expect(e.labels).toBe(events[0].labels);
  });

  test('events without labels get an empty object', () => {
    expect(parse('foo:1|c').events[0].labels).toEqual({});
  });
});

describe('tag dialect switches', () => {
  test.each([
    ['dogstatsd', 'foo:1|c|#a:b', 'foo'],
    ['influxdb', 'foo,a=b:1|c', 'foo,a=b'],
    ['librato', 'foo#a=b:1|c', 'foo#a=b'],
    ['signalfx', 'foo[a=b]:1|c', 'foo[a=b]'],
  ] as const)('%s off: %j is not tagged', (dialect, line, name) => {
    expect(parse(line, ALL_DIALECTS).events[0].labels).toEqual({ a: 'b' });
    const off = parse(line, { ...ALL_DIALECTS, [dialect]: false });
    expect(off.events).toEqual([{ type: 'counter', name, value: 1, labels: {} }]);
    expect(off.counts.tagErrors).toBe(0);
  });

  test('"|#" still disables multi-metric splitting with DogStatsD parsing off', () => {
    const { events, counts: c } = parse('foo:1|c|#a:b:2|c', NO_DIALECTS);
    // One sample "1|c|#a:b:2|c": components 1, c, #a:b:2, c → 'c' is a bare container id.
    expect(events).toHaveLength(0);
    expect(c).toEqual(counts({ samples: 1, sampleErrors: { malformed_container_id: 1 } }));
  });

  test('SignalFX tags win over Librato/InfluxDB ones', () => {
    expect(parse('foo[a=b]#c=d:1|c').events[0]).toEqual({ type: 'counter', name: 'foo#c=d', value: 1, labels: { a: 'b' } });
    expect(parse('foo,x=y#c=d:1|c').events[0]).toEqual({ type: 'counter', name: 'foo', value: 1, labels: { x: 'y#c=d' } });
  });
});

describe('values and types', () => {
  test('types', () => {
    expect(parse('a:2|c').events).toEqual([{ type: 'counter', name: 'a', value: 2, labels: {} }]);
    expect(parse('a:2|g').events).toEqual([{ type: 'gauge', name: 'a', value: 2, relative: false, labels: {} }]);
    expect(parse('a:+2|g').events).toEqual([{ type: 'gauge', name: 'a', value: 2, relative: true, labels: {} }]);
    expect(parse('a:-2|g').events).toEqual([{ type: 'gauge', name: 'a', value: -2, relative: true, labels: {} }]);
    expect(parse('a:250|ms').events).toEqual([{ type: 'observer', name: 'a', value: 0.25, labels: {} }]);
    expect(parse('a:250|h').events).toEqual([{ type: 'observer', name: 'a', value: 250, labels: {} }]);
    expect(parse('a:250|d').events).toEqual([{ type: 'observer', name: 'a', value: 250, labels: {} }]);
  });

  test('Go float syntax in values', () => {
    expect(parse('a:0x1p-2|g').events[0].value).toBe(0.25);
    expect(parse('a:1_000|c').events[0].value).toBe(1000);
    expect(parse('a:-Inf|g').events[0].value).toBe(-Infinity);
    expect(parse('a:NaN|g').events[0].value).toBeNaN();
    expect(parse('a:0b1|c').counts.sampleErrors).toEqual({ malformed_value: 1 });
  });
});

describe('sample rates', () => {
  test.each<[string, Array<[string, number]>, Partial<TelemetryCounts['sampleErrors']>]>([
    ['a:1|c|@0.1', [['counter', 10]], {}],
    ['a:3|g|@0.1', [['gauge', 3]], {}],
    ['a:5|h|@0.3', [['observer', 5], ['observer', 5], ['observer', 5]], {}], // int(1/0.3) = 3
    ['a:5|ms|@0.5', [['observer', 0.005], ['observer', 0.005]], {}],
    ['a:5|h|@1', [['observer', 5]], {}],
    ['a:5|h|@2', [], {}], // int(0.5) = 0
    ['a:5|h|@-0.5', [], {}],
    ['a:2|c|@0', [['counter', 2]], {}], // 0 means 1
    ['a:2|c|@abc', [['counter', 2]], { invalid_sample_factor: 1 }], // counted, kept at rate 1
    ['a:2|c|@', [['counter', 2]], { invalid_sample_factor: 1 }],
    ['a:2|c|@1e400', [['counter', 0]], { invalid_sample_factor: 1 }], // Go keeps +Inf: 2/Inf
    ['a:2|c|@0.5|@0.5', [['counter', 8]], {}], // each rate applies
    ['a:2|c|@nan', [['counter', NaN]], {}],
    ['a:2|h|@nan', [], {}],
  ])('%j', (line, expected, errors) => {
    const { events, counts: c } = parse(line);
    expect(events.map((e) => [e.type, e.value])).toEqual(expected);
    expect(c.sampleErrors).toEqual(errors);
  });

  test('the number of copies of an observation is capped', () => {
    expect(parse('a:1|h|@0.00001').events).toHaveLength(DEFAULT_MAX_OBSERVER_REPEAT);
    expect(parse('a:1|h|@0.01', ALL_DIALECTS, { maxObserverRepeat: 5 }).events).toHaveLength(5);
    expect(parse('a:1|h|@1e-300').events).toHaveLength(0); // beyond int64: Go's int() gives MinInt64
    expect(() => new LineParser(ALL_DIALECTS, undefined, { maxObserverRepeat: 0 })).toThrow(RangeError);
  });
});

describe('parsePacket', () => {
  test('counts every piece of the "\\n" split as a line, empty ones included', () => {
    expect(parsePacket(Buffer.alloc(0))).toMatchObject({ lines: 1, events: [], counts: counts({}), relayed: [] });
    expect(parsePacket(Buffer.from('\n'))).toMatchObject({ lines: 2, events: [], relayed: [] });
    expect(parsePacket(Buffer.from('a:1|c\n\nb:2|c\n')).lines).toBe(4);
    expect(parsePacket(Buffer.from('a:1|c')).lines).toBe(1);
  });

  test('"\\r" stays in the line (UDP semantics)', () => {
    const { lines, events, counts: c } = parsePacket(Buffer.from('a:1|c\r\nb:2|g\r'));
    expect(lines).toBe(2);
    expect(events).toEqual([]);
    expect(c.sampleErrors).toEqual({ illegal_event: 2 }); // types "c\r" and "g\r"
  });

  test('a lone "\\r" is a malformed line', () => {
    expect(parsePacket(Buffer.from('\r'))).toMatchObject({ lines: 1, counts: counts({ sampleErrors: { malformed_line: 1 } }) });
  });

  test('invalid UTF-8 in one line rejects only that line', () => {
    const packet = Buffer.concat([Buffer.from('good:1|c\nbad:1|c|#k:'), Buffer.from([0xc3, 0x28]), Buffer.from('\ngood2:2|g')]);
    const { lines, events, counts: c, relayed } = parsePacket(packet);
    expect(lines).toBe(3);
    expect(events).toEqual([
      { type: 'counter', name: 'good', value: 1, labels: {} },
      { type: 'gauge', name: 'good2', value: 2, relative: false, labels: {} },
    ]);
    expect(c).toEqual(counts({ samples: 2, sampleErrors: { malformed_line: 1 } }));
    // The relay gets every non-empty line, the bad one byte for byte.
    expect(relayed.map((r) => r.bytes)).toEqual([Buffer.from('good:1|c'), packet.subarray(9, 9 + 13), Buffer.from('good2:2|g')]);
  });

  test('onLine gets non-empty lines only, text and bytes', () => {
    const { relayed } = parsePacket(Buffer.from('é:1|c\n\nx'));
    expect(relayed).toEqual([
      { line: 'é:1|c', bytes: Buffer.from('é:1|c') },
      { line: 'x', bytes: Buffer.from('x') },
    ]);
  });

  test('a 64 KiB line', () => {
    const tags = Array.from({ length: 2000 }, (_, i) => `tag${i}:value${i}`).join(',');
    const name = 'n'.repeat(65536 - tags.length - 20);
    const line = `${name}:42|ms|#${tags}`;
    expect(line.length).toBeGreaterThan(65000);
    const { lines, events, counts: c } = parsePacket(Buffer.from(line));
    expect(lines).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0].name).toBe(name);
    expect(events[0].value).toBe(0.042);
    expect(Object.keys(events[0].labels)).toHaveLength(2000);
    expect(c).toEqual(counts({ samples: 1, tags: 1 }));
  });

  test('gives the same events as parsing each line', () => {
    const text = 'a:1|c\nb#x=y:2|g\nc:1:2|h|#k:v\n\nd:5|ms|@0.5';
    const viaPacket = parsePacket(Buffer.from(text));
    const viaLines: StatsdEvent[] = [];
    const parser = new LineParser(ALL_DIALECTS);
    for (const line of text.split('\n')) parser.parseLine(line, viaLines);
    expect(viaPacket.events).toEqual(viaLines);
    expect(viaPacket.events).toHaveLength(6);
  });
});
