// The real daemon (node bin/statsd-bridge.js) under fuzzed input on all three transports at
// once: TCP streams written in random-sized chunks (lines split anywhere, "\r\n" split in two,
// over-long lines), unixgram datagrams up to 64 KB, and UDP datagrams up to the 65,507-byte
// maximum. The same bytes go through the accounting oracle (the in-process parser), and the
// daemon's own counters must match it exactly: lines, samples, every error reason, tags, tag
// errors, too-long lines, packets, and every event counted once by the exporter. The process
// stays up, /metrics stays valid, and SIGTERM still exits 0.
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SAMPLE_ERROR_REASONS, type StatsdEvent } from '../../src/line/events';
import { LineParser } from '../../src/line/parser';
import { startDaemon, type Daemon } from '../support/daemon';
import { checkExposition } from '../support/exposition-check';
import type { Exposition } from '../support/prom-text';
import { sendTcpStream, sendUdpPaced, sendUnixgram, waitFor } from '../support/senders';
import { ALL_DIALECTS, LineAccountant, datagramPieces, tcpLines } from './accounting';
import { FUZZ_SEED, hugeLine, joinLines, lineBytes, manyTagsLine, mutate, prng, separator } from './generators';

const TCP_MAX_LINE = 4096;

/**
 * Keeps the event volume sane: a line whose sample rate makes thousands of observer copies
 * (the cap is 10,000 per sample) is let through 20 times in all, then disarmed ('@' -> '#').
 */
function tamer(): (line: Buffer) => Buffer {
  const probe = new LineParser(ALL_DIALECTS);
  let heavy = 0;
  return (line) => {
    const out: StatsdEvent[] = [];
    probe.parsePacket(line, out);
    if (out.length <= 256) return line;
    if (heavy++ < 20) return line;
    return Buffer.from(line.toString('latin1').replace(/@/g, '#'), 'latin1');
  };
}

function chunked(stream: Buffer, rand: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < stream.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.2 ? 16 : 8192));
    chunks.push(stream.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

function sum(e: Exposition, name: string): number {
  return e.all(name).reduce((s, x) => s + x.value, 0);
}

describe('daemon fuzz over TCP, unixgram and UDP', () => {
  let d: Daemon | undefined;
  afterAll(async () => {
    await d?.stop();
  });

  test('every line, sample, error and event is accounted for exactly; the daemon stays up', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fuzz-'));
    const sock = path.join(dir, 'statsd.sock');
    d = await startDaemon({ args: [`--statsd.listen-unixgram=${sock}`, '--statsd.read-buffer=4194304', `--statsd.tcp-max-line-length=${TCP_MAX_LINE}`] });
    const tame = tamer();
    const accountant = new LineAccountant();
    const sink: StatsdEvent[] = [];
    const account = (pieces: Buffer[]) => {
      for (const p of pieces) accountant.line(p, sink);
      sink.length = 0;
    };
    const rand = prng(FUZZ_SEED);
    const withMutants = (lines: Buffer[]) => [...lines, ...lines.map((l) => mutate(l, rand)), ...lines.map((l) => mutate(l, rand))].map(tame);

    // TCP: 4 connections, each one stream of generated lines, written in random chunks.
    const tcpStreams = fc
      .sample(fc.record({ lines: fc.array(lineBytes, { minLength: 2800, maxLength: 3200 }), seps: fc.array(separator, { minLength: 1, maxLength: 4 }), big: fc.array(fc.oneof(hugeLine, manyTagsLine), { maxLength: 4 }) }), { seed: FUZZ_SEED + 2, numRuns: 4 })
      .map(({ lines, seps, big }) => joinLines([...withMutants(lines), ...big.map((b) => Buffer.from(b))], seps, rand() < 0.5 ? '\n' : ''));
    let tooLong = 0;
    for (const s of tcpStreams) {
      const framed = tcpLines(s, TCP_MAX_LINE);
      account(framed.lines);
      tooLong += framed.tooLong;
    }

    // Datagrams: up to 64 KB (a unixgram datagram filling the 64 KiB read buffer is dropped as
    // truncated, so 65,535 bytes is the largest accepted; UDP's maximum payload is 65,507 bytes).
    const datagrams = (seed: number, runs: number, max: number) =>
      fc
        .sample(fc.record({ lines: fc.array(lineBytes, { maxLength: 12 }), seps: fc.array(separator, { minLength: 1, maxLength: 3 }), trailing: fc.constantFrom('', '\n', '\r') }), { seed, numRuns: runs })
        .flatMap(({ lines, seps, trailing }) => [joinLines(lines.map(tame), seps, trailing), joinLines(withMutants(lines).slice(lines.length), seps, trailing)])
        .concat(fc.sample(fc.oneof(hugeLine, manyTagsLine), { seed, numRuns: 6 }).map((l) => Buffer.from(l)))
        .concat([Buffer.alloc(0), Buffer.from('\r'), Buffer.alloc(max, 0x0a)])
        .filter((p) => p.length <= max);
    const unixPackets = datagrams(FUZZ_SEED + 3, 900, 65_535);
    const udpPackets = datagrams(FUZZ_SEED + 4, 500, 65_507);
    for (const p of [...unixPackets, ...udpPackets]) account(datagramPieces(p));
    accountant.checkTotals();
    const want = accountant.totals;

    // Send everything at once: 4 TCP connections, unixgram and (paced) UDP side by side.
    const udpReceived = async () => (await d!.scrape()).valueOr0('statsd_exporter_udp_packets_total');
    const [, , udpSent] = await Promise.all([
      Promise.all(tcpStreams.map((s) => sendTcpStream(d!.tcpPort, chunked(s, prng(s.length))))),
      sendUnixgram(sock, unixPackets),
      sendUdpPaced(d.udpPort, udpPackets, udpReceived),
    ]);

    // UDP on loopback may drop under load: compare lines only once every packet has arrived.
    await waitFor(async () => (await udpReceived()) === udpSent, `all ${udpSent} UDP packets to arrive`);
    await waitFor(async () => (await d!.scrape()).valueOr0('statsd_exporter_lines_total') >= want.lines, `lines_total to reach ${want.lines}`);
    // Events are applied at the next queue flush; wait for the exporter to account for all of them.
    const eventsAccounted = (e: Exposition) =>
      sum(e, 'statsd_exporter_events_total') + sum(e, 'statsd_exporter_events_error_total') + sum(e, 'statsd_exporter_events_conflict_total') + e.valueOr0('statsd_exporter_events_actions_total', { action: 'drop' }) + sum(e, 'statsd_bridge_series_dropped_total');
    await waitFor(async () => eventsAccounted(await d!.scrape()) >= want.events, `${want.events} events to be applied`);

    const text = await d.scrapeText();
    checkExposition(text);
    const e = await d.scrape();
    expect(d.proc.exitCode).toBeNull();
    expect(e.value('statsd_exporter_udp_packets_total')).toBe(udpPackets.length);
    expect(e.value('statsd_exporter_unixgram_packets_total')).toBe(unixPackets.length);
    expect(e.value('statsd_exporter_tcp_connections_total')).toBe(tcpStreams.length);
    expect(e.value('statsd_exporter_tcp_too_long_lines_total')).toBe(tooLong);
    expect(e.value('statsd_exporter_lines_total')).toBe(want.lines);
    expect(e.value('statsd_exporter_samples_total')).toBe(want.samples);
    for (const reason of SAMPLE_ERROR_REASONS) {
      expect({ reason, n: e.value('statsd_exporter_sample_errors_total', { reason }) }).toEqual({ reason, n: want.sampleErrors[reason] });
    }
    expect(e.value('statsd_exporter_tags_total')).toBe(want.tags);
    expect(e.value('statsd_exporter_tag_errors_total')).toBe(want.tagErrors);
    expect(eventsAccounted(e)).toBe(want.events);
    expect(e.value('statsd_exporter_events_unmapped_total')).toBe(want.events);
    for (const type of ['counter', 'gauge', 'observer'] as const) {
      expect(e.value('statsd_exporter_events_total', { type })).toBeLessThanOrEqual(want.eventsByType[type] ?? 0);
    }
    expect(want.lines - want.emptyLines).toBeGreaterThan(30_000);
    expect(tooLong).toBeGreaterThan(0);
    // eslint-disable-next-line no-console
    console.log(`daemon fuzz: ${want.lines} lines (${want.lines - want.emptyLines} not empty; ${tcpStreams.length} TCP streams, ${unixPackets.length} unixgram and ${udpPackets.length} UDP datagrams), ${want.samples} samples, ${want.events} events, ${tooLong} over-long TCP lines`);

    expect(await d.stop('SIGTERM')).toBe(0);
    d = undefined;
  });
});
