// Property-based fuzzing of the line parser (fast-check, fixed seed): well over a million
// generated and mutated lines, as datagrams. For every packet:
//   - nothing throws;
//   - parsePacket returns the number of '\n'-separated pieces (statsd_exporter_lines_total);
//   - the three decoding paths agree: the fast path (no relay), the relay path (per-line
//     callback, latin1/ASCII or byte-wise decoding) and line-by-line parseLineBuffer give the same
//     events and the same telemetry, and the relay sees each non-empty line's exact bytes;
//   - every line and every sample is accounted for (see accounting.ts for the exact invariant).
import fc from 'fast-check';
import { SAMPLE_ERROR_REASONS, type LineTelemetry, type SampleErrorReason, type StatsdEvent } from '../../src/line/events';
import { DEFAULT_MAX_OBSERVER_REPEAT, LineParser } from '../../src/line/parser';
import { ALL_DIALECTS, LineAccountant, addTotals, datagramPieces, emptyTotals } from './accounting';
import { FUZZ_SEED, garbageBytes, hugeLine, joinLines, lineBytes, manyTagsLine, mutate, prng, separator } from './generators';

/** A packet plus a seed for the mutants derived from its lines. */
const packetArb = fc.record({
  lines: fc.array(lineBytes, { minLength: 0, maxLength: 12 }),
  seps: fc.array(separator, { minLength: 1, maxLength: 4 }),
  trailing: fc.constantFrom('', '', '\n', '\r', '\r\n'),
  seed: fc.integer(),
  mutants: fc.integer({ min: 4, max: 12 }),
});

function sameEvents(a: readonly StatsdEvent[], b: readonly StatsdEvent[]): string | null {
  if (a.length !== b.length) return `event counts differ: ${a.length} vs ${b.length}`;
  let lastA: unknown = null;
  let lastB: unknown = null;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.type !== y.type || x.name !== y.name || !Object.is(x.value, y.value) || (x as { relative?: boolean }).relative !== (y as { relative?: boolean }).relative) {
      return `event ${i} differs: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
    }
    // Events of one sample share their labels object: compare each distinct pair once.
    if (x.labels !== lastA || y.labels !== lastB) {
      if (JSON.stringify(Object.entries(x.labels).sort()) !== JSON.stringify(Object.entries(y.labels).sort())) return `event ${i} labels differ`;
      lastA = x.labels;
      lastB = y.labels;
    }
  }
  return null;
}

/** Plain counters (jest's expect is far too slow to call a few million times). */
class CountingTelemetry implements LineTelemetry {
  samples = 0;
  tags = 0;
  tagErrors = 0;
  errors = new Map<string, number>();
  reset(): void {
    this.samples = 0;
    this.tags = 0;
    this.tagErrors = 0;
    this.errors.clear();
  }
  sample(): void {
    this.samples++;
  }
  sampleError(reason: SampleErrorReason): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }
  tagsPresent(): void {
    this.tags++;
  }
  tagError(): void {
    this.tagErrors++;
  }
}

function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

/**
 * The bulk runs cap observer copies at 64 instead of 10,000 (the cap is the same code path; a
 * `|@1e-9` line would otherwise make 10,000 events each and the suite would spend its time
 * allocating events). The special inputs run with the default cap.
 */
const BULK_MAX_REPEAT = 64;

describe('line parser fuzz (fast-check, fixed seed)', () => {
  let accountant = new LineAccountant(ALL_DIALECTS, BULK_MAX_REPEAT);
  const fastTelemetry = new CountingTelemetry();
  const relayTelemetry = new CountingTelemetry();
  let fast = new LineParser(ALL_DIALECTS, fastTelemetry, { maxObserverRepeat: BULK_MAX_REPEAT });
  let relay = new LineParser(ALL_DIALECTS, relayTelemetry, { maxObserverRepeat: BULK_MAX_REPEAT });
  const totals = emptyTotals();
  let packets = 0;

  /** All properties over one packet. */
  function checkPacket(packet: Buffer): void {
    packets++;
    const t = accountant.totals;
    const before = { samples: t.samples, tags: t.tags, tagErrors: t.tagErrors, errors: { ...t.sampleErrors } };
    fastTelemetry.reset();
    relayTelemetry.reset();

    const fastEvents: StatsdEvent[] = [];
    const n1 = fast.parsePacket(packet, fastEvents);
    const relayEvents: StatsdEvent[] = [];
    const relayed: Buffer[] = [];
    const n2 = relay.parsePacket(packet, relayEvents, (_line, bytes) => relayed.push(Buffer.from(bytes)));
    const pieces = datagramPieces(packet);
    const lineEvents: StatsdEvent[] = [];
    for (const p of pieces) accountant.line(p, lineEvents);

    check(n1 === pieces.length && n2 === pieces.length, () => `line counts ${n1}, ${n2} != ${pieces.length} pieces`);
    const nonEmpty = pieces.filter((p) => p.length > 0);
    check(relayed.length === nonEmpty.length, () => `relayed ${relayed.length} lines of ${nonEmpty.length}`);
    for (let i = 0; i < nonEmpty.length; i++) check(relayed[i].equals(nonEmpty[i]), () => `relayed bytes differ for line ${i}`);

    for (const [name, tel] of [['fast path', fastTelemetry], ['relay path', relayTelemetry]] as const) {
      check(tel.samples === t.samples - before.samples, () => `${name}: samples ${tel.samples} != ${t.samples - before.samples}`);
      check(tel.tags === t.tags - before.tags, () => `${name}: tags differ`);
      check(tel.tagErrors === t.tagErrors - before.tagErrors, () => `${name}: tag errors differ`);
      for (const r of SAMPLE_ERROR_REASONS) {
        const want = t.sampleErrors[r] - before.errors[r];
        check((tel.errors.get(r) ?? 0) === want, () => `${name}: ${r} errors ${tel.errors.get(r) ?? 0} != ${want}`);
      }
    }
    const d1 = sameEvents(fastEvents, lineEvents);
    check(d1 === null, () => `fast path vs line by line: ${d1}`);
    const d2 = sameEvents(relayEvents, lineEvents);
    check(d2 === null, () => `relay path vs line by line: ${d2}`);
  }

  test('generated and mutated StatsD packets: no throw, paths agree, every line accounted for', () => {
    fc.assert(
      fc.property(packetArb, ({ lines, seps, trailing, seed, mutants }) => {
        checkPacket(joinLines(lines, seps, trailing));
        // Mutants of the same lines, as one more packet each (volume at no generation cost).
        const rand = prng(seed);
        for (let m = 0; m < mutants; m++) {
          const mutated = lines.map((l) => (rand() < 0.35 ? mutate(l, rand) : l));
          checkPacket(joinLines(mutated, seps, trailing));
        }
      }),
      { seed: FUZZ_SEED, numRuns: 16_000 },
    );
    accountant.checkTotals();
    addTotals(totals, accountant.totals);
  });

  test('thousands of tags, 64 KB lines, binary garbage, lone \\r, empty packets', () => {
    accountant = new LineAccountant(ALL_DIALECTS);
    fast = new LineParser(ALL_DIALECTS, fastTelemetry);
    relay = new LineParser(ALL_DIALECTS, relayTelemetry);
    fc.assert(
      fc.property(fc.oneof(manyTagsLine, hugeLine), fc.integer(), (line, seed) => {
        const bytes = Buffer.from(line);
        checkPacket(bytes);
        const rand = prng(seed);
        for (let m = 0; m < 3; m++) checkPacket(mutate(bytes, rand));
      }),
      { seed: FUZZ_SEED, numRuns: 150 },
    );
    fc.assert(
      fc.property(fc.array(garbageBytes, { maxLength: 30 }), (parts) => {
        checkPacket(Buffer.concat(parts));
        checkPacket(joinLines(parts, ['\n'], ''));
      }),
      { seed: FUZZ_SEED, numRuns: 5_000 },
    );
    for (const p of ['', '\n', '\r', '\r\n', '\n\n\n', '\r\r\r', ':', '|', '\0']) checkPacket(Buffer.from(p));
    // One datagram of 65,507 bytes (the UDP maximum) of random bytes, and one of newlines.
    const rand = prng(FUZZ_SEED);
    checkPacket(Buffer.from(Array.from({ length: 65_507 }, () => Math.floor(rand() * 256))));
    checkPacket(Buffer.alloc(65_507, 0x0a));
    // The repeat cap: one sampled timer line is at most DEFAULT_MAX_OBSERVER_REPEAT events.
    const capped: StatsdEvent[] = [];
    fast.parsePacket(Buffer.from('t:1|ms|@1e-12'), capped);
    expect(capped).toHaveLength(DEFAULT_MAX_OBSERVER_REPEAT);
    accountant.checkTotals();
    addTotals(totals, accountant.totals);
  });

  afterAll(() => {
    const t = totals;
    // eslint-disable-next-line no-console
    console.log(`parser fuzz: ${packets} packets, ${t.lines} lines (${t.emptyLines} empty, ${t.rejectedLines} rejected), ${t.samples} samples (${t.okSamples} ok, ${t.rejectedSamples} rejected, ${t.noCopySamples} with 0 copies), ${t.events} events, errors ${JSON.stringify(t.sampleErrors)}`);
    // The volume is part of the claim: at least a million lines went through the parser.
    expect(t.lines).toBeGreaterThanOrEqual(1_000_000);
    // And the generators reach every outcome (a generator that only makes garbage proves little).
    expect(t.okSamples).toBeGreaterThan(100_000);
    expect(t.rejectedLines).toBeGreaterThan(10_000);
    expect(t.rejectedSamples).toBeGreaterThan(10_000);
    expect(t.noCopySamples).toBeGreaterThan(0);
    for (const [reason, n] of Object.entries(t.sampleErrors)) expect({ reason, seen: n > 0 }).toEqual({ reason, seen: true });

  });
});
