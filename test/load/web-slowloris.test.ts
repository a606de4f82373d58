// The large form of issue 10's HTTP attack: many slow-header connections against the built
// daemon with default limits. Not part of `npm test` (it is skipped unless asked for):
//   npm run load:web                      (20,000 connections)
//   WEB_SLOWLORIS_CONNECTIONS=5000 npx jest test/load/web-slowloris.test.ts
// It prints what it saw; it fails if a scrape from another address was not answered 200, if
// the daemon held more descriptors than the connection limit allows, or if StatsD TCP lost lines.
import fs from 'node:fs';
import net from 'node:net';
import { startDaemon, type Daemon } from '../support/daemon';
import { request } from '../support/tls';

const TOTAL = Number(process.env.WEB_SLOWLORIS_CONNECTIONS ?? 0);
const run = TOTAL > 0 ? describe : describe.skip;
jest.setTimeout(600_000);

function fds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

function slowConnection(port: number, localAddress: string, onClose: () => void): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.once('close', onClose);
    s.once('connect', () => {
      s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      resolve(s);
    });
    s.once('close', () => resolve(null));
  });
}

run('web server under 20k slow-header connections (load)', () => {
  let d: Daemon;
  afterAll(async () => {
    await d?.stop();
  });

  test('descriptors stay bounded, /metrics and StatsD TCP keep working, every drop is counted', async () => {
    d = await startDaemon();
    const pid = d.proc.pid!;
    const baseline = fds(pid);
    const sockets = new Set<net.Socket>();
    let closedByServer = 0;
    let maxFds = baseline;
    const scrapes: number[] = [];
    let tcpLines = 0;
    const started = Date.now();
    // A quarter from one address, the rest from 40 others.
    const address = (i: number) => (i < TOTAL / 4 ? '127.0.0.2' : `127.0.6.${1 + (i % 40)}`);
    for (let i = 0; i < TOTAL; i += 250) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(250, TOTAL - i) }, (_, j) => slowConnection(d.httpPort, address(i + j), () => closedByServer++)),
      );
      for (const s of batch) if (s !== null && !s.destroyed) sockets.add(s);
      for (const s of sockets) if (s.destroyed) sockets.delete(s);
      maxFds = Math.max(maxFds, fds(pid));
      if ((i / 250) % 8 === 0) {
        scrapes.push((await request(d.httpPort, '/metrics')).status);
        await d.sendTcp(`load.tcp:1|c\n`);
        tcpLines++;
      }
    }
    const elapsedS = (Date.now() - started) / 1000;
    const text = await d.scrapeText();
    const dropped = Object.fromEntries([...text.matchAll(/^statsd_bridge_http_connections_dropped_total\{reason="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
    const open = Number(/^statsd_bridge_http_connections_open (\d+)/m.exec(text)?.[1]);
    const counted = Number(/^load_tcp (\d+)/m.exec(text)?.[1] ?? 0);
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    // eslint-disable-next-line no-console
    console.log(
      [
        `slow-header connections attempted: ${TOTAL} in ${elapsedS.toFixed(1)} s (load ${load})`,
        `daemon descriptors: ${baseline} before, at most ${maxFds} during`,
        `open web connections at the end: ${open}; client sockets still open: ${[...sockets].filter((s) => !s.destroyed).length}`,
        `closed by the daemon: ${closedByServer}; counted: ${JSON.stringify(dropped)}`,
        `scrapes from 127.0.0.1 during the flood: ${scrapes.length}, statuses ${[...new Set(scrapes)].join(',')}`,
        `StatsD TCP lines sent during the flood: ${tcpLines}, counted: ${counted}`,
      ].join('\n'),
    );
    for (const s of sockets) s.destroy();
    expect(new Set(scrapes)).toEqual(new Set([200]));
    expect(open).toBeLessThanOrEqual(512);
    expect(maxFds - baseline).toBeLessThan(512 + 300);
    expect(dropped.max_connections + dropped.max_connections_per_client).toBeGreaterThanOrEqual(TOTAL - 512 - 1);
    expect(counted).toBe(tcpLines);
  });
});
