// Signals (issue 10 row 7): SIGUSR1 must not open Node's inspector; SIGUSR2, SIGALRM and the
// other signals Go's runtime ignores are ignored here too (statsd_exporter v0.27.2 keeps running);
// SIGQUIT shuts down cleanly (exit 2, as Go's) and removes the unixgram socket file, so the next
// start works.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from '../support/daemon';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** true when something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

async function until(check: () => boolean, what: string, attempts = 800): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function sendUnixgram(sock: string, payload: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const unix = require('unix-dgram') as typeof import('unix-dgram');
  const client = unix.createSocket('unix_dgram');
  const msg = Buffer.from(payload);
  return new Promise<void>((resolve, reject) =>
    client.send(msg, 0, msg.length, sock, (err) => {
      client.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

function signalLogged(d: Daemon, signal: string): boolean {
  return d.logs().split('\n').some((l) => l.includes('"msg":"Received signal, ignored') && l.includes(`"signal":"${signal}"`));
}

describe('signals', () => {
  let d: Daemon | undefined;
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-signals-'));
  });
  afterEach(async () => {
    await d?.stop();
    d = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('control: a plain Node process with the same --inspect-port opens the inspector on SIGUSR1', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("up")'], {
      env: { ...process.env, NODE_OPTIONS: `--inspect-port=127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await until(() => out.includes('up'), 'the child to start');
      child.kill('SIGUSR1');
      await until(() => out.includes('Debugger listening'), 'the inspector');
      expect(await accepts(port)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('SIGUSR1 does not open the inspector, and the daemon keeps serving', async () => {
    const port = await freePort();
    d = await startDaemon({ env: { NODE_OPTIONS: `--inspect-port=127.0.0.1:${port}` } });
    d.proc.kill('SIGUSR1');
    await until(() => signalLogged(d!, 'SIGUSR1'), 'the daemon to log SIGUSR1');
    // The inspector would be up within milliseconds (see the control); look for a while.
    for (let i = 0; i < 10; i++) {
      expect(await accepts(port)).toBe(false);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(d.logs()).not.toContain('Debugger listening');
    await d.sendUdp('after.usr1:1|c');
    await d.eventually((e) => expect(e.value('after_usr1')).toBe(1));
    expect(d.proc.exitCode).toBeNull();
  });

  test.each(['SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGXFSZ'] as const)('%s is ignored: the daemon keeps serving, then SIGTERM removes the socket file', async (signal) => {
    const sock = path.join(dir, 'statsd.sock');
    d = await startDaemon({ args: [`--statsd.listen-unixgram=${sock}`] });
    d.proc.kill(signal);
    await until(() => signalLogged(d!, signal), `the daemon to log ${signal}`);
    await sendUnixgram(sock, 'after.signal:3|c');
    await d.eventually((e) => expect(e.value('after_signal')).toBe(3));
    expect(d.proc.exitCode).toBeNull();
    expect(await d.stop('SIGTERM')).toBe(0);
    d = undefined;
    expect(fs.existsSync(sock)).toBe(false);
  });

  test('SIGQUIT: clean shutdown, exit 2, socket file removed, and the next start on the same path works', async () => {
    const sock = path.join(dir, 'statsd.sock');
    d = await startDaemon({ args: [`--statsd.listen-unixgram=${sock}`] });
    await sendUnixgram(sock, 'before.quit:5|c');
    await d.eventually((e) => expect(e.value('before_quit')).toBe(5));
    expect(await d.stop('SIGQUIT')).toBe(2);
    expect(d.logs()).toContain('"reason":"SIGQUIT"');
    d = undefined;
    expect(fs.existsSync(sock)).toBe(false);

    d = await startDaemon({ args: [`--statsd.listen-unixgram=${sock}`] });
    await sendUnixgram(sock, 'second.start:1|c');
    await d.eventually((e) => expect(e.value('second_start')).toBe(1));
  });
});
