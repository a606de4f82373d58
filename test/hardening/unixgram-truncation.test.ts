// Unixgram datagrams of 64 KiB and more (issue 10, "Silent loss"): unix-dgram reads 65,536 bytes
// at most and does not say when it cut a datagram, so a datagram that fills the buffer is dropped
// whole and counted, never parsed with its last line cut (`123|c|@0.25` read as `123|c|@0.`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from '../support/daemon';

function sendUnixgram(sock: string, msg: Buffer): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const unix = require('unix-dgram') as typeof import('unix-dgram');
  const client = unix.createSocket('unix_dgram');
  return new Promise<void>((resolve, reject) =>
    client.send(msg, 0, msg.length, sock, (err) => {
      client.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

/** A datagram of exactly `size` bytes: filler lines, then `last` at the very end. */
function datagram(size: number, last: string): Buffer {
  const filler = 'filler.metric:1|c\n';
  const room = size - last.length;
  const lines = Math.floor(room / filler.length);
  const pad = room - lines * filler.length; // pad the first line's name to hit the size exactly
  const first = pad > 0 ? `filler.metric${'x'.repeat(pad)}:1|c\n`.slice(0) : '';
  const body = (first ? first + filler.repeat(lines - 1) : filler.repeat(lines)) + last;
  const buf = Buffer.from(body);
  if (buf.length !== size) throw new Error(`built ${buf.length} bytes, wanted ${size}`);
  return buf;
}

describe('unixgram truncation', () => {
  let d: Daemon | undefined;
  let dir = '';
  let sock = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ugram-'));
    sock = path.join(dir, 'statsd.sock');
    d = await startDaemon({ args: [`--statsd.listen-unixgram=${sock}`, '--statsd.read-buffer=1048576'] });
  });
  afterAll(async () => {
    await d?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a 70 KB datagram ending in 123|c|@0.25 is dropped and counted, not counted as 123', async () => {
    // The 65,536-byte cut falls right after `@0.` of cut.counter's line (the case); the
    // datagram then goes on to 70,000 bytes and ends in the same kind of line.
    const cutLine = 'cut.counter:123|c|@0.25\n';
    const head = datagram(65_536 - 'cut.counter:123|c|@0.'.length, 'filler.metric:1|c\n');
    const tailLast = 'cut.tail:123|c|@0.25';
    const tail = datagram(70_000 - head.length - cutLine.length, tailLast);
    const msg = Buffer.concat([head, Buffer.from(cutLine), tail]);
    expect(msg.length).toBe(70_000);
    expect(msg.subarray(0, 65_536).toString().endsWith('\ncut.counter:123|c|@0.')).toBe(true);
    await sendUnixgram(sock, msg);
    const e = await d!.eventually((x) => {
      expect(x.value('statsd_bridge_unixgram_truncated_datagrams_total')).toBe(1);
      return x;
    });
    expect(e.find('cut_counter', {})).toBeUndefined();
    expect(e.find('cut_tail', {})).toBeUndefined();
    expect(e.find('filler_metric', {})).toBeUndefined();
    expect(e.value('statsd_exporter_unixgram_packets_total')).toBe(1);
  });

  test('a datagram of exactly 65,536 bytes (the read buffer) is suspect and dropped; 65,535 bytes are read whole', async () => {
    await sendUnixgram(sock, datagram(65_536, 'full.buffer:1|c'));
    await sendUnixgram(sock, datagram(65_535, 'whole.counter:123|c|@0.25'));
    const e = await d!.eventually((x) => {
      expect(x.value('whole_counter')).toBe(492);
      return x;
    });
    expect(e.value('statsd_bridge_unixgram_truncated_datagrams_total')).toBe(2);
    expect(e.find('full_buffer', {})).toBeUndefined();
    expect(e.value('statsd_exporter_unixgram_packets_total')).toBe(3);
  });
});
