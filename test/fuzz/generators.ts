// Generators of hostile StatsD input for the fuzz suites: fast-check arbitraries for lines that
// look like StatsD (every dialect, odd values, sample rates, components, thousands of tags) and
// for garbage, plus a seeded byte-level mutator that turns one generated line into many.
// Everything is deterministic for a given fast-check seed.
import fc from 'fast-check';

/** The seed every fuzz suite runs with (fixed: CI runs are reproducible). */
export const FUZZ_SEED = 0x5d5b_2026;

/** Characters that matter to the grammar, plus awkward Unicode. */
const SPECIAL = [':', '|', '@', '#', ',', '=', '[', ']', '\r', '\t', ' ', '\0', '\\', '"', '.', '-', '_', 'é', '\u{1F4A5}', '\uFFFD', '\u2028', 'T', 'c', 'g', 's', '+', 'e'];
const PLAIN = [...'abcdefxyz.ABZ_-0123456789'];

const nameChar = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PLAIN) }, { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) });
const tagChar = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PLAIN, '/', ' ') }, { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) });

const metricName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('foo', 'foo.bar', 'a', 'http.request.duration', 'x-y--z', '0digit', '_u', 'é.name', 'статсд', 'x_count', 'x_sum', 'x_bucket', 'x', 'le', 'statsd_exporter_lines_total') },
  { weight: 3, arbitrary: fc.string({ unit: nameChar, minLength: 0, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 0, maxLength: 8 }) },
);

const plainText = fc.string({ unit: fc.constantFrom(...PLAIN), minLength: 1, maxLength: 10 });

const tagText = fc.string({ unit: tagChar, minLength: 0, maxLength: 10 });

/** One DogStatsD tag, well formed or not. */
const dogTag = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(plainText, plainText).map(([k, v]) => `${k}:${v}`) },
  { weight: 3, arbitrary: fc.tuple(tagText, tagText).map(([k, v]) => `${k}:${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'k', ':v', 'k:', '#k:v', '#', 'k:v:w', '__name__:x', '__proto__:x', 'le:0.5', 'quantile:1', 'constructor:x') },
);

/** Name tags of the other dialects, cut into the name. */
const nameTags = fc.oneof(
  { weight: 12, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.array(fc.tuple(tagText, tagText), { maxLength: 4 }).map((t) => ',' + t.map(([k, v]) => `${k}=${v}`).join(',')) },
  { weight: 1, arbitrary: fc.array(fc.tuple(tagText, tagText), { maxLength: 4 }).map((t) => '#' + t.map(([k, v]) => `${k}=${v}`).join(',')) },
  { weight: 1, arbitrary: fc.array(fc.tuple(tagText, tagText), { maxLength: 4 }).map((t) => '[' + t.map(([k, v]) => `${k}=${v}`).join(',') + ']') },
  { weight: 1, arbitrary: fc.constantFrom('[', ']', '][', '[]', ',', '#', ',=', '#=x', '[a=b', 'a=b]') },
);

/** Values: ordinary, Go float syntax, huge, tiny, broken. */
const value = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String) },
  { weight: 4, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1000 }).map((n) => '+' + n) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'NaN', '+Inf', '-Inf', 'inf', 'Infinity', '1e308', '1e309', '-1e309', '1e-400', '4.9e-324', '-0', '0x1p-2', '0x1P+3', '0x', '0X.8p1',
      '1_000', '1__0', '_1', '.5', '5.', '+5', '-5', '+', '-', '', '1e', 'e5', '0b101', '0o17', '00012', '.', '1.2.3', ' 1', '1 ',
      '9'.repeat(400), '1' + '0'.repeat(320), '0.' + '0'.repeat(400) + '1', '18446744073709551616', '-9223372036854775809',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789.eE+-xXpP_', ...SPECIAL), maxLength: 8 }) },
);

const statType = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('c', 'g', 'ms', 'h', 'd') },
  { weight: 2, arbitrary: fc.constantFrom('s', 'x', '', 'C', 'msx', 'm', 'gg', 'ms ') },
);

const rate = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((r) => '@' + r) },
  { weight: 2, arbitrary: fc.constantFrom('@0.5', '@0.1', '@0', '@1', '@2', '@-1', '@1e-9', '@0.0001', '@NaN', '@abc', '@', '@1e999', '@-0', '@+Inf', '@0x1p-4', '@1e-300') },
);

/** One `|`-separated component after the type. */
const component = fc.oneof(
  { weight: 4, arbitrary: rate },
  { weight: 6, arbitrary: fc.array(dogTag, { maxLength: 5 }).map((t) => '#' + t.join(',')) },
  { weight: 1, arbitrary: fc.string({ unit: tagChar, maxLength: 12 }).map((id) => 'c:' + id) },
  { weight: 1, arbitrary: fc.constantFrom('c', 'c:', 'T1656581400', 'T', 'Tabc', '', 'xyz', '#', '@@', 'c:a:b') },
);

/** A line shaped like StatsD: name[tags]:value[:value...]|type[|component...]. */
export const statsdLine: fc.Arbitrary<string> = fc
  .record({
    name: metricName,
    tags: nameTags,
    tagsAt: fc.nat({ max: 30 }),
    values: fc.oneof({ weight: 5, arbitrary: value.map((v) => [v]) }, { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }) }),
    type: statType,
    components: fc.array(component, { maxLength: 3 }),
    // The classic multi-metric form name:v1|t1:v2|t2.
    more: fc.array(fc.tuple(value, statType), { maxLength: 2 }),
  })
  .map(({ name, tags, tagsAt, values, type, components, more }) => {
    const at = Math.min(tagsAt, name.length);
    const fullName = tags === '' ? name : name.slice(0, at) + tags + name.slice(at);
    let line = `${fullName}:${values.join(':')}|${type}`;
    if (components.length > 0) line += '|' + components.join('|');
    for (const [v, t] of more) line += `:${v}|${t}`;
    return line;
  });

/** Lines with thousands of tags (DogStatsD or InfluxDB style). */
export const manyTagsLine: fc.Arbitrary<string> = fc
  .record({ n: fc.integer({ min: 500, max: 4000 }), influx: fc.boolean(), type: fc.constantFrom('c', 'g', 'ms', 'h') })
  .map(({ n, influx, type }) => {
    const tags = Array.from({ length: n }, (_, i) => (influx ? `k${i}=v${i}` : `k${i}:v${i}`)).join(',');
    return influx ? `many.tags,${tags}:1|${type}` : `many.tags:1|${type}|#${tags}`;
  });

/** Lines near the 64 KB datagram size: a huge name, tag value or value. */
export const hugeLine: fc.Arbitrary<string> = fc
  .record({ size: fc.integer({ min: 30_000, max: 65_000 }), where: fc.constantFrom('name', 'tag', 'value') })
  .map(({ size, where }) => {
    const big = 'x'.repeat(size);
    if (where === 'name') return `${big}:1|c`;
    if (where === 'tag') return `huge.tag:1|c|#k:${big}`;
    return `huge.value:${'9'.repeat(size)}|g`;
  });

/** Raw bytes: garbage, invalid UTF-8, control characters. */
export const garbageBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      Buffer.alloc(0),
      Buffer.from('\r'),
      Buffer.from('\r\r'),
      Buffer.from([0xff, 0xfe, 0x3a, 0x31, 0x7c, 0x63]),
      Buffer.from([0x66, 0x3a, 0x31, 0x7c, 0x63, 0xc3]), // truncated 2-byte sequence at the end
      Buffer.from([0xc0, 0x80, 0x3a, 0x31, 0x7c, 0x63]), // overlong NUL
      Buffer.from([0xed, 0xa0, 0x80, 0x3a, 0x31, 0x7c, 0x63]), // an encoded surrogate
      Buffer.from([0xf4, 0x90, 0x80, 0x80, 0x3a, 0x31, 0x7c, 0x63]), // above U+10FFFF
      Buffer.from('f\0o:1|c'),
      Buffer.from(':'),
      Buffer.from('|'),
      Buffer.from(':|'),
    ),
  },
);

/** A seeded PRNG (mulberry32): cheap randomness inside a property, reproducible from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MUTATION_BYTES = [0x3a, 0x7c, 0x40, 0x23, 0x2c, 0x3d, 0x5b, 0x5d, 0x0d, 0x0a, 0x00, 0xff, 0xc3, 0xe2, 0xf0, 0x80, 0x20, 0x2d, 0x2b, 0x2e];

/**
 * Byte-level mutants of `line`: 1-4 edits each (replace, insert, delete, truncate, duplicate a
 * slice, splice in invalid UTF-8). Newlines may be inserted: the caller counts lines by splitting.
 */
export function mutate(line: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(line);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(rand() * (b.length + 1));
    const byte = rand() < 0.6 ? MUTATION_BYTES[Math.floor(rand() * MUTATION_BYTES.length)] : Math.floor(rand() * 256);
    switch (Math.floor(rand() * 6)) {
      case 0:
        if (pos < b.length) b[pos] = byte;
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, pos), Buffer.from([byte]), b.subarray(pos)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1)]);
        break;
      case 3:
        b = b.subarray(0, pos);
        break;
      case 4: {
        const end = Math.min(b.length, pos + 1 + Math.floor(rand() * 8));
        b = Buffer.concat([b.subarray(0, end), b.subarray(pos, end), b.subarray(end)]);
        break;
      }
      default:
        b = Buffer.concat([b.subarray(0, pos), Buffer.from([0xed, 0xa0, 0x80].slice(0, 1 + Math.floor(rand() * 3))), b.subarray(pos)]);
    }
  }
  return b;
}

/** One line's bytes: mostly StatsD-like, some garbage, a few huge. */
export const lineBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 20, arbitrary: statsdLine.map((s) => Buffer.from(s)) },
  { weight: 4, arbitrary: garbageBytes },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s)) },
);

/** How lines are joined in a packet or stream. */
export const separator = fc.constantFrom('\n', '\n', '\n', '\n', '\r\n', '\n\n', '\n\r\n');

export function joinLines(lines: readonly Buffer[], seps: readonly string[], trailing: string): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((l, i) => {
    if (i > 0) parts.push(Buffer.from(seps[i % seps.length] ?? '\n'));
    parts.push(l);
  });
  parts.push(Buffer.from(trailing));
  return Buffer.concat(parts);
}

/** Number of '\n'-separated pieces in a packet (what statsd_exporter_lines_total counts for a datagram). */
export function datagramLineCount(packet: Buffer): number {
  let n = 1;
  for (let i = packet.indexOf(0x0a); i !== -1; i = packet.indexOf(0x0a, i + 1)) n++;
  return n;
}
