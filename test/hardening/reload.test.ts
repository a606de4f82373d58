// Reload off the ingest path (issue 10, "Reload blocks ingestion"): a large mapping is read
// and decoded in a worker thread and compiled in slices, so datagrams sent during the reload
// are counted and scrapes are answered meanwhile; then the new mapping replaces the old one
// at once. Runs the built daemon (npm test builds first). No timing is asserted: the test
// checks an order of events (a scrape answered with new data while the reload is pending).
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from '../support/daemon';

const RULES = 20_000;

function bigMapping(gen: string): string {
  const lines = ['mappings:'];
  for (let i = 0; i < RULES; i++) {
    lines.push(`- match: '^svc${i}\\.([^.]+)\\.requests$'`, '  match_type: regex', `  name: "svc_requests_${i}"`, '  labels:', '    op: "$1"');
  }
  lines.push('- match: "live.*"', '  name: "live_total"', '  labels:', `    gen: "${gen}"`, '');
  return lines.join('\n');
}

describe('reload off the ingest path', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  test(`during a reload of ${RULES} rules every datagram is counted and scrapes are answered`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-reload-big-'));
    const file = path.join(dir, 'mapping.yml');
    fs.writeFileSync(file, bigMapping('g0'));
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`] });
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, bigMapping('g1'));
    fs.renameSync(tmp, file);

    const sock = dgram.createSocket('udp4');
    const send = (line: string) => new Promise<void>((resolve, reject) => sock.send(line, d!.udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const reloads = async () => (await d!.scrape()).valueOr0('statsd_exporter_config_reloads_total', { outcome: 'success' });
    expect(await reloads()).toBe(0);
    d.proc.kill('SIGHUP');

    // Send one datagram at a time and scrape after each until the reload is done: with a
    // reload that blocks the event loop, no scrape could show a new line before it ends.
    let sent = 0;
    let seenDuringReload = 0;
    try {
      for (let i = 0; i < 100_000; i++) {
        await send(`live.during:1|c`);
        sent++;
        const e = await d.scrape();
        if (e.valueOr0('statsd_exporter_config_reloads_total', { outcome: 'success' }) > 0) break;
        const counted = e.all('live_total').reduce((s, x) => s + x.value, 0);
        if (counted > 0) seenDuringReload = Math.max(seenDuringReload, counted);
      }
    } finally {
      sock.close();
    }
    expect(seenDuringReload).toBeGreaterThan(0);
    const e = await d.eventually((x) => {
      expect(x.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(1);
      expect(x.all('live_total').reduce((s, y) => s + y.value, 0)).toBe(sent);
      return x;
    });
    // Lines before the swap were mapped by g0, after it by g1; none went unmapped.
    expect(e.valueOr0('statsd_exporter_events_unmapped_total')).toBe(0);
    expect(e.value('statsd_exporter_loaded_mappings')).toBe(RULES + 1);
    await d.sendUdp('live.after:1|c\nsvc19999.get.requests:1|c');
    await d.eventually((x) => {
      expect(x.value('live_total', { gen: 'g1' })).toBeGreaterThan(0);
      expect(x.value('svc_requests_19999', { op: 'get' })).toBe(1);
    });
  }, 120_000);

  test('a bad file keeps the old mapping (decode error from the worker, compile error after it)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-reload-bad-'));
    const file = path.join(dir, 'mapping.yml');
    const good = 'mappings:\n- match: "live.*"\n  name: "live_total"\n  labels:\n    gen: "g0"\n';
    fs.writeFileSync(file, good);
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`] });
    // The SIGHUP handler is installed just after the "Listening" line: one scrape first.
    await d.scrape();
    const bad = [
      'mappings:\n- match: "live.*"\n  name: "broken"\n  match_type: nope\n', // stops decoding (worker)
      "mappings:\n- match: '^(live'\n  match_type: regex\n  name: broken\n", // a regex error (compile)
      'not: [valid', // YAML syntax
    ];
    for (let i = 0; i < bad.length; i++) {
      fs.writeFileSync(file, bad[i]);
      d.proc.kill('SIGHUP');
      await d.eventually((x) => expect(x.value('statsd_exporter_config_reloads_total', { outcome: 'failure' })).toBe(i + 1));
    }
    expect(d.logs()).toContain('invalid regex ^(live in mapping: error parsing regexp: missing closing ): `^(live`');
    await d.sendUdp('live.x:1|c');
    await d.eventually((x) => expect(x.value('live_total', { gen: 'g0' })).toBe(1));
  });
});
