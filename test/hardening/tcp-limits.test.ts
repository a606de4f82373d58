// TCP limits: line length (skip the line, keep the connection), connection count (close new
// connections at once, counted), idle timeout (close, counted), and abusive clients (dribbling,
// a huge partial line, flooding, never reading) never keeping other clients or UDP out.
import net from 'node:net';
import { defaultConfig, helpText, parseArgs } from '../../src/cli/flags';
import { startDaemon, type Daemon } from '../support/daemon';
import { closed, connectTcp as connect, sendTcpStream } from '../support/senders';


function write(c: net.Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => c.write(data, (err) => (err ? reject(err) : resolve())));
}

describe('TCP limit flags', () => {
  test('defaults: 4096-byte lines, 1024 connections, 5m idle timeout; 0 disables', () => {
    const c = defaultConfig();
    expect(c.tcpMaxLineLength).toBe(4096);
    expect(c.tcpMaxConnections).toBe(1024);
    expect(c.tcpIdleTimeoutMs).toBe(300_000);
    const parsed = parseArgs(['--statsd.tcp-max-connections=0', '--statsd.tcp-idle-timeout=0']);
    expect(parsed.kind === 'run' && [parsed.config.tcpMaxConnections, parsed.config.tcpIdleTimeoutMs]).toEqual([0, 0]);
    const help = helpText('statsd-bridge');
    expect(help).toContain('--statsd.tcp-max-connections=VALUE');
    expect(help).toContain('--statsd.tcp-idle-timeout=DURATION');
  });
});

describe('TCP limits (daemon)', () => {
  let d: Daemon | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await d?.stop();
    d = undefined;
  });

  test('beyond --statsd.tcp-max-connections a new connection is closed at once and counted; open ones keep working', async () => {
    d = await startDaemon({ args: ['--statsd.tcp-max-connections=3'] });
    const open = await Promise.all([0, 1, 2].map(() => connect(d!.tcpPort)));
    clients.push(...open);
    await d.eventually((e) => expect(e.value('statsd_bridge_tcp_connections_open')).toBe(3));

    const extra = await connect(d.tcpPort);
    clients.push(extra);
    await closed(extra); // closed by the daemon, not by us
    await d.eventually((e) => expect(e.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'max_connections' })).toBe(1));

    for (const [i, c] of open.entries()) await write(c, `held.${i}:1|c\n`);
    await d.eventually((e) => {
      for (const i of [0, 1, 2]) expect(e.value(`held_${i}`)).toBe(1);
    });
    // Once one closes, there is room again.
    open[0].end();
    await closed(open[0]);
    await d.eventually((e) => expect(e.value('statsd_bridge_tcp_connections_open')).toBe(2));
    await d.sendTcp('after.room:1|c\n');
    const e = await d.eventually((x) => {
      expect(x.value('after_room')).toBe(1);
      return x;
    });
    expect(e.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'max_connections' })).toBe(1);
    expect(e.value('statsd_exporter_tcp_connections_total')).toBe(4);
  });

  test('--statsd.tcp-idle-timeout closes a silent connection, counts it, and keeps its unfinished line', async () => {
    d = await startDaemon({ args: ['--statsd.tcp-idle-timeout=300ms'] });
    const c = await connect(d.tcpPort);
    clients.push(c);
    await write(c, 'idle.done:1|c\nidle.unfinished:2|c');
    await closed(c);
    const e = await d.eventually((x) => {
      expect(x.value('idle_unfinished')).toBe(2);
      return x;
    });
    expect(e.value('idle_done')).toBe(1);
    expect(e.value('statsd_bridge_tcp_connections_dropped_total', { reason: 'idle_timeout' })).toBe(1);
    expect(e.value('statsd_bridge_tcp_connections_open')).toBe(0);
  });

  test('dribbling, a huge partial line, flooding and never reading: other TCP clients and UDP still get through', async () => {
    d = await startDaemon();
    let stop = false;

    // 1. A client dribbling one byte at a time, forever.
    const dribbler = await connect(d.tcpPort);
    clients.push(dribbler);
    const dribbling = (async () => {
      const line = 'dribble:1|c\n';
      for (let i = 0; !stop; i++) {
        await write(dribbler, line[i % line.length]);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    // 2. A client holding a 64 MB partial line (far past the 4096-byte limit), then continuing.
    const huge = await connect(d.tcpPort);
    clients.push(huge);
    const block = Buffer.alloc(1 << 20, 0x78);
    for (let i = 0; i < 64; i++) await write(huge, block);

    // 3. A client flooding valid lines as fast as the socket takes them, until told to stop.
    const flooder = await connect(d.tcpPort);
    clients.push(flooder);
    const floodBlock = Buffer.from('flood:1|c\n'.repeat(10_000));
    const flooding = (async () => {
      while (!stop) await write(flooder, floodBlock);
    })();

    // 4. A client that never reads (paused) and never closes.
    const mute = await connect(d.tcpPort);
    clients.push(mute);
    mute.pause();
    await write(mute, 'mute:1|c\n');

    // Meanwhile: a well-behaved TCP client and UDP traffic.
    await sendTcpStream(d.tcpPort, [Buffer.from(Array.from({ length: 1000 }, () => 'good.tcp:1|c\n').join(''))]);
    for (let i = 0; i < 100; i++) await d.sendUdp('good.udp:1|c');

    const during = await d.eventually((e) => {
      expect(e.value('good_tcp')).toBe(1000);
      expect(e.value('good_udp')).toBe(e.value('statsd_exporter_udp_packets_total'));
      expect(e.value('good_udp')).toBeGreaterThan(0);
      expect(e.value('mute')).toBe(1);
      return e;
    }, 400);
    // The abusers were all still connected while the others got through.
    expect(during.value('statsd_bridge_tcp_connections_open')).toBeGreaterThanOrEqual(4);
    expect(during.value('flood')).toBeGreaterThan(0);
    expect(during.value('statsd_exporter_tcp_too_long_lines_total')).toBe(1);
    // The partial line is never held beyond the limit: memory stays small after 64 MB of it.
    expect(during.value('process_resident_memory_bytes')).toBeLessThan(250e6);

    // The huge-line client's connection survived its over-long line.
    await write(huge, '\nafter.huge:1|c\n');
    await d.eventually((e) => expect(e.value('after_huge')).toBe(1));

    // The dribbler's lines arrive too, a byte at a time.
    await d.eventually((e) => expect(e.value('dribble')).toBeGreaterThan(0), 400);
    stop = true;
    await Promise.all([dribbling, flooding]);
    expect(d.proc.exitCode).toBeNull();
  });
});
