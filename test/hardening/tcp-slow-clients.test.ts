// Slow TCP clients (issue 10, "TCP slowloris"): connections dribbling a byte at a time, or silent
// after connecting, must not hold every --statsd.tcp-max-connections slot until the idle timeout.
// A line must end within --statsd.tcp-line-timeout of its first byte (the first line: of the
// accept); the close is counted in statsd_bridge_tcp_connections_dropped_total{reason="line_timeout"}.
import net from 'node:net';
import { defaultConfig } from '../../src/cli/flags';
import { startDaemon, type Daemon } from '../support/daemon';
import { closed, connectTcp as connect } from '../support/senders';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slow TCP clients', () => {
  let d: Daemon | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await d?.stop();
    d = undefined;
  });

  test('the default line timeout is 10s', () => {
    expect(defaultConfig().tcpLineTimeoutMs).toBe(10_000);
  });

  test('dribbling and silent clients holding every slot are closed and counted; then real clients get in', async () => {
    const slots = 6;
    d = await startDaemon({ args: [`--statsd.tcp-max-connections=${slots}`, '--statsd.tcp-line-timeout=600ms', '--statsd.tcp-idle-timeout=5m'] });
    // Half dribble one byte every 50 ms (never idle; the line would take 1.4 s), half stay silent.
    const attackers = await Promise.all(Array.from({ length: slots }, () => connect(d!.tcpPort)));
    clients.push(...attackers);
    for (const c of attackers) c.on('error', () => {});
    let stop = false;
    const line = 'slow.loris:1|c\n'.repeat(4);
    const dribbling = attackers.slice(0, slots / 2).map(async (c) => {
      for (let i = 0; !stop && !c.destroyed && i < line.length; i++) {
        c.write(line[i]);
        await sleep(50);
      }
    });
    await d.eventually((e) => expect(e.value('statsd_bridge_tcp_connections_open')).toBe(slots));

    // Every attacker is closed by the daemon, though the dribblers were never idle.
    await Promise.all(attackers.map(closed));
    stop = true;
    await Promise.all(dribbling);
    const e = await d.eventually((x) => {
      expect(x.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'line_timeout' })).toBe(slots);
      expect(x.value('statsd_bridge_tcp_connections_open')).toBe(0);
      return x;
    });
    expect(e.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'idle_timeout' })).toBe(0);
    // The cut lines were dropped, not parsed.
    expect(e.find('slow_loris', {})).toBeUndefined();

    // The slots are free: a real client gets in.
    await d.sendTcp('real.client:1|c\n');
    await d.eventually((x) => expect(x.value('real_client')).toBe(1));
  });

  test('a client that sent whole lines and then stays quiet keeps its connection (only the idle timeout closes it)', async () => {
    d = await startDaemon({ args: ['--statsd.tcp-line-timeout=300ms', '--statsd.tcp-idle-timeout=5m'] });
    const c = await connect(d.tcpPort);
    clients.push(c);
    c.write('quiet.client:1|c\n');
    await d.eventually((x) => expect(x.value('quiet_client')).toBe(1));
    await sleep(1200); // four line timeouts
    expect(c.destroyed).toBe(false);
    // A line written in two parts, the second well within the timeout, is one line.
    c.write('quiet.cl');
    await sleep(50);
    c.write('ient:2|c\n');
    const e = await d.eventually((x) => {
      expect(x.value('quiet_client')).toBe(3);
      return x;
    });
    expect(e.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'line_timeout' })).toBe(0);
    expect(e.value('statsd_bridge_tcp_connections_open')).toBe(1);
  });

  test('--statsd.tcp-line-timeout=0 turns it off: a silent connection stays open', async () => {
    d = await startDaemon({ args: ['--statsd.tcp-line-timeout=0', '--statsd.tcp-idle-timeout=5m'] });
    const c = await connect(d.tcpPort);
    clients.push(c);
    c.write('partial');
    await sleep(800);
    expect(c.destroyed).toBe(false);
    const e = await d.scrape();
    expect(e.value('statsd_bridge_tcp_connections_open')).toBe(1);
    expect(e.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'line_timeout' })).toBe(0);
  });
});
