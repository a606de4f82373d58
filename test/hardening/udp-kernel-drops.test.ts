// Kernel UDP receive drops as a self-metric (issue 10, "Silent loss"): with the daemon stopped
// (SIGSTOP) and a small receive buffer, a burst overflows the socket; the kernel's drop count for
// that socket (/proc/net/udp) is exported as statsd_bridge_udp_kernel_drops_total, and every
// datagram sent is either received or in that count.
import dgram from 'node:dgram';
import fs from 'node:fs';
import { parseProcNetUdp } from '../../src/listener/kernel-drops';
import { startDaemon, type Daemon } from '../support/daemon';

const linux = fs.existsSync('/proc/net/udp');

function procDrops(port: number): number {
  let total = 0;
  for (const t of ['/proc/net/udp', '/proc/net/udp6']) {
    if (!fs.existsSync(t)) continue;
    for (const r of parseProcNetUdp(fs.readFileSync(t, 'latin1'))) if (r.localPort === port) total += r.drops;
  }
  return total;
}

describe('UDP kernel drops', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    if (d && d.proc.exitCode === null) d.proc.kill('SIGCONT');
    await d?.stop();
    d = undefined;
  });

  test('parseProcNetUdp reads port, inode and drops', () => {
    const text = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      ' 4583: 0100007F:23A5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 204184 2 00000000e4273135 17',
      'garbage',
    ].join('\n');
    expect(parseProcNetUdp(text)).toEqual([{ localPort: 0x23a5, inode: 204184, drops: 17 }]);
  });

  (linux ? test : test.skip)('a burst while the daemon is stopped: drops > 0, equal to /proc, and sent = received + dropped', async () => {
    d = await startDaemon({ args: ['--statsd.read-buffer=4096'] });
    const before = await d.scrape();
    expect(before.value('statsd_bridge_udp_kernel_drops_total')).toBe(0);

    const sent = 2000;
    d.proc.kill('SIGSTOP');
    const s = dgram.createSocket('udp4');
    const payload = Buffer.from(`burst.metric:1|c\n${'x'.repeat(200)}:1|c`);
    for (let i = 0; i < sent; i++) {
      await new Promise<void>((resolve, reject) => s.send(payload, d!.udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
    s.close();
    d.proc.kill('SIGCONT');

    const e = await d.eventually((x) => {
      const drops = x.value('statsd_bridge_udp_kernel_drops_total');
      expect(drops).toBeGreaterThan(0);
      expect(x.value('statsd_exporter_udp_packets_total') + drops).toBe(sent);
      expect(x.value('burst_metric')).toBe(x.value('statsd_exporter_udp_packets_total'));
      return x;
    });
    expect(e.value('statsd_bridge_udp_kernel_drops_total')).toBe(procDrops(d.udpPort));
  });
});
