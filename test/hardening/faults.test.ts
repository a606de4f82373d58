// Faults: reloads under load (no lost event, never a half-loaded mapping, a bad reload keeps
// the old one), a relay target that is down or refusing, SIGTERM under load, and start-up
// failures that name the address.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BIN, REPO_ROOT, startDaemon, type Daemon } from '../support/daemon';
import { sendTcpStream, waitFor } from '../support/senders';

function mapping(gen: string): string {
  return `mappings:\n- match: "load.*"\n  name: "load_total"\n  labels:\n    gen: "${gen}"\n    part: "$1"\n`;
}

/** Replaces a file atomically (as a config management tool should). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
}

describe('faults', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  test('reloading under load (SIGHUP, good and bad files): every event applied under the old or the new mapping', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-reload-'));
    const file = path.join(dir, 'mapping.yml');
    writeAtomic(file, mapping('g0'));
    d = await startDaemon({ args: [`--statsd.mapping-config=${file}`] });
    const CONNECTIONS = 4;
    const PER_CHUNK = 500;
    const RELOADS = 12;

    let stop = false;
    let good = 0;
    let bad = 0;
    let lastGood = 'g0';
    const reloading = (async () => {
      for (let i = 1; !stop; i++) {
        // Every fifth reload is a broken file: the previous mapping must stay in force.
        const broken = i % 5 === 0;
        if (broken) writeAtomic(file, 'mappings:\n- match: "load.*"\n  name: "broken"\n  match_type: nope\n');
        else writeAtomic(file, mapping(`g${i}`));
        const outcome = broken ? 'failure' : 'success';
        const before = (await d!.scrape()).valueOr0('statsd_exporter_config_reloads_total', { outcome });
        d!.proc.kill('SIGHUP');
        await waitFor(async () => (await d!.scrape()).valueOr0('statsd_exporter_config_reloads_total', { outcome }) > before, 'the reload to be applied');
        if (broken) bad++;
        else {
          good++;
          lastGood = `g${i}`;
        }
      }
    })();
    // Send on 4 connections until RELOADS reloads have happened while sending.
    let total = 0;
    const sending = Array.from(
      { length: CONNECTIONS },
      (_, c) =>
        new Promise<void>((resolve, reject) => {
          const chunk = Buffer.from(`load.c${c}:1|c\n`.repeat(PER_CHUNK));
          const conn = net.connect(d!.tcpPort, '127.0.0.1', async () => {
            while (good + bad < RELOADS) {
              total += PER_CHUNK;
              if (!conn.write(chunk)) await new Promise<void>((r) => conn.once('drain', () => r()));
              await new Promise((r) => setImmediate(r));
            }
            conn.end();
          });
          conn.on('error', reject);
          conn.on('close', () => resolve());
        }),
    );
    await Promise.all(sending);
    stop = true;
    await reloading;

    const e = await d.eventually((x) => {
      expect(x.value('statsd_exporter_lines_total')).toBe(total);
      expect(x.value('statsd_exporter_events_total', { type: 'counter' })).toBe(total);
      return x;
    });
    // Applied under some generation of the mapping, never unmapped, never a broken one.
    const mapped = e.all('load_total').reduce((s, x) => s + x.value, 0);
    expect(mapped).toBe(total);
    expect(e.valueOr0('statsd_exporter_events_unmapped_total')).toBe(0);
    expect(e.find('broken')).toBeUndefined();
    const gens = new Set(e.all('load_total').map((x) => x.labels.gen));
    expect([...gens].every((g) => /^g\d+$/.test(g) && (g === 'g0' || Number(g.slice(1)) % 5 !== 0))).toBe(true);
    // Several generations took part: the reloads really happened under load.
    expect(gens.size).toBeGreaterThan(3);
    expect(e.value('statsd_exporter_config_reloads_total', { outcome: 'success' })).toBe(good);
    expect(e.value('statsd_exporter_config_reloads_total', { outcome: 'failure' })).toBe(bad);
    expect(bad).toBeGreaterThanOrEqual(2);
    // After a bad reload the last good mapping is in force.
    writeAtomic(file, 'not: [valid');
    d.proc.kill('SIGHUP');
    await d.eventually((x) => expect(x.value('statsd_exporter_config_reloads_total', { outcome: 'failure' })).toBe(bad + 1));
    await d.sendTcp('load.after:1|c\n');
    const last = await d.eventually((x) => {
      expect(x.all('load_total').filter((s) => s.labels.part === 'after')).toHaveLength(1);
      return x;
    });
    expect(last.all('load_total').find((s) => s.labels.part === 'after')?.labels.gen).toBe(lastGood);
  });

  test('a relay target that is down (unresolvable) or refusing never slows or stops ingestion', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
    const refusing = probe.address().port;
    probe.close();
    for (const target of [`127.0.0.1:${refusing}`, 'relay-target.invalid:9125']) {
      d = await startDaemon({ args: [`--statsd.relay.address=${target}`] });
      const N = 40_000;
      const chunks = Array.from({ length: 40 }, (_, c) => Buffer.from(Array.from({ length: N / 40 }, (_, i) => `relayed.line:${c * 1000 + i}|g\n`).join('')));
      await sendTcpStream(d.tcpPort, chunks);
      const e = await d.eventually((x) => {
        expect(x.value('statsd_exporter_lines_total')).toBe(N);
        expect(x.value('statsd_exporter_events_total', { type: 'gauge' })).toBe(N);
        return x;
      });
      expect(e.value('relayed_line')).toBe(39_999);
      expect(e.value('statsd_exporter_relay_lines_relayed_total', { target })).toBe(N);
      if (target.endsWith('.invalid:9125')) {
        // Every send fails (no such host): counted, and forgotten.
        await d.eventually((x) => expect(x.value('statsd_bridge_relay_dropped_packets_total', { target })).toBeGreaterThan(0), 400);
      }
      expect(d.proc.exitCode).toBeNull();
      expect(await d.stop()).toBe(0);
      d = undefined;
    }
  });

  test('SIGTERM under load (TCP clients still connected and sending, UDP arriving) exits 0', async () => {
    d = await startDaemon();
    let stop = false;
    const block = Buffer.from('term.load:1|c\n'.repeat(5000));
    const clients = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const c = net.connect(d!.tcpPort, '127.0.0.1', () => resolve(c));
            c.on('error', reject);
          }),
      ),
    );
    const flooding = clients.map(async (c) => {
      c.removeAllListeners('error');
      c.on('error', () => {});
      while (!stop && !c.destroyed) {
        if (!c.write(block)) await new Promise<void>((r) => (c.once('drain', () => r()), c.once('close', () => r())));
      }
    });
    const udp = dgram.createSocket('udp4');
    const udpFlood = (async () => {
      // send() completes synchronously on loopback and calls back on nextTick: yield to the
      // event loop each time, or this loop would starve everything else in the test process.
      while (!stop) {
        await new Promise<void>((r) => udp.send('term.udp:1|c', d!.udpPort, '127.0.0.1', () => r()));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await d.eventually((e) => {
      expect(e.value('term_load')).toBeGreaterThan(10_000);
      expect(e.value('term_udp')).toBeGreaterThan(0);
    });
    const code = await d.stop('SIGTERM');
    d = undefined;
    stop = true;
    await Promise.all([...flooding, udpFlood]);
    udp.close();
    for (const c of clients) c.destroy();
    expect(code).toBe(0);
  });

  test('start-up failures name the address: unwritable unixgram path, taken TCP, UDP and HTTP ports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fail-'));
    fs.writeFileSync(path.join(dir, 'file'), '');
    const base = ['--statsd.listen-udp=', '--statsd.listen-tcp=', '--web.listen-address=127.0.0.1:0'];
    for (const [sock, why] of [
      [path.join(dir, 'no-such-dir', 'statsd.sock'), 'ENOENT'],
      [path.join(dir, 'file', 'statsd.sock'), 'ENOTDIR'],
      [path.join(dir, 'file'), 'already exists'],
    ]) {
      const r = run([...base, `--statsd.listen-unixgram=${sock}`]);
      expect({ sock, status: r.status }).toEqual({ sock, status: 1 });
      expect(r.stderr).toContain(`"${sock}"`);
      expect(r.stderr).toContain(why);
    }

    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const takenUdp = dgram.createSocket('udp4');
    await new Promise<void>((r) => takenUdp.bind(0, '127.0.0.1', () => r()));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const udpPort = takenUdp.address().port;
      const tcp = run(['--statsd.listen-udp=', `--statsd.listen-tcp=127.0.0.1:${port}`, '--web.listen-address=127.0.0.1:0']);
      expect(tcp.status).toBe(1);
      expect(tcp.stderr).toMatch(new RegExp(`failed to listen on TCP 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      const udp = run([`--statsd.listen-udp=127.0.0.1:${udpPort}`, '--statsd.listen-tcp=', '--web.listen-address=127.0.0.1:0']);
      expect(udp.status).toBe(1);
      expect(udp.stderr).toMatch(new RegExp(`failed to listen on UDP 127\\.0\\.0\\.1:${udpPort}: .*EADDRINUSE`));
      const web = run(['--statsd.listen-udp=127.0.0.1:0', '--statsd.listen-tcp=', `--web.listen-address=127.0.0.1:${port}`]);
      expect(web.status).toBe(1);
      expect(web.stderr).toMatch(new RegExp(`failed to listen on HTTP 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    } finally {
      taken.close();
      takenUdp.close();
    }
  });
});
