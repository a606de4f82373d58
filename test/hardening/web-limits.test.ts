// Web server limits (issue 10 "HTTP", "Basic auth") and the client allowlist (issue 12), over
// real sockets. Clients take other source addresses with localAddress (Linux routes all of
// 127/8 to lo). No timing assertions: short configured timeouts, and polling for outcomes.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { BasicAuth, BcryptVerifier, standInHash } from '../../src/http/basic-auth';
import { AddressAllowlist, CidrError, clientKey, parseCidr } from '../../src/http/client-address';
import { ClientRateLimiter } from '../../src/http/rate-limit';
import { DEFAULT_WEB_LIMITS, checkWebLimits, createRequestHandler, listenHttp, type WebLimits } from '../../src/http/server';
import { parseWebConfig, type WebConfig } from '../../src/http/web-config';
import { silentLogger, type LogFields } from '../../src/core/logger';
import { HTTP_DROP_REASONS, HTTP_REJECT_REASONS, type HttpDropReason, type HttpRejectReason } from '../../src/telemetry/self-metrics';
import { startDaemon, type Daemon } from '../support/daemon';
import { makePki, request, type TestPki } from '../support/tls';

jest.setTimeout(60_000);

interface Served {
  server: http.Server;
  port: number;
  rejected: Record<HttpRejectReason, number>;
  dropped: Record<HttpDropReason, number>;
  open: () => number;
  warnings: Array<{ msg: string; fields?: LogFields }>;
  close(): Promise<void>;
}

const servers: Served[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(opts: { webConfig?: WebConfig | null; limits?: Partial<WebLimits>; host?: string } = {}): Promise<Served> {
  const rejected = Object.fromEntries(HTTP_REJECT_REASONS.map((r) => [r, 0])) as Record<HttpRejectReason, number>;
  const dropped = Object.fromEntries(HTTP_DROP_REASONS.map((r) => [r, 0])) as Record<HttpDropReason, number>;
  const warnings: Served['warnings'] = [];
  let open = 0;
  const logger = { ...silentLogger, warn: (msg: string, fields?: LogFields) => void warnings.push({ msg, fields }) };
  const handler = createRequestHandler({
    telemetryPath: '/metrics',
    enableLifecycle: false,
    metrics: async () => '# TYPE up gauge\nup 1\n',
    contentType: 'text/plain; version=0.0.4',
    reload: async () => {},
    quit: () => {},
    logger,
    version: 'test',
  });
  const server = await listenHttp(handler, {
    host: opts.host ?? '127.0.0.1',
    port: 0,
    webConfig: opts.webConfig ?? null,
    limits: { ...DEFAULT_WEB_LIMITS, ...opts.limits },
    logger,
    onReject: (r) => rejected[r]++,
    onDrop: (r) => dropped[r]++,
    onOpen: (d) => (open += d),
  });
  const s: Served = {
    server,
    port: (server.address() as net.AddressInfo).port,
    rejected,
    dropped,
    open: () => open,
    warnings,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  servers.push(s);
  return s;
}

/** Polls until `check` holds (the test's own timeout bounds the wait). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

/** A raw TCP connection; resolves once connected. */
function connect(port: number, localAddress = '127.0.0.1', host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the server sent until it closed the connection. */
function untilClosed(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('error', () => {});
    if (s.destroyed) return resolve(data);
    s.once('close', () => resolve(data));
  });
}

const auth = (userPass: string) => 'Basic ' + Buffer.from(userPass).toString('base64');

describe('client addresses and CIDRs', () => {
  test('clientKey: IPv4 as is, IPv4-mapped unmapped, IPv6 by /64', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%lo')).toBe('fe80:0:0:0::/64');
    expect(clientKey(undefined)).toBe('');
  });

  test('parseCidr: addresses, prefixes, errors', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(() => parseCidr('10.0.0.0/33')).toThrow(CidrError);
    expect(() => parseCidr('fd00::/129')).toThrow(/0 to 128/);
    expect(() => parseCidr('10.0.0/8')).toThrow(/not an IP address or CIDR/);
    expect(() => parseCidr('example.com')).toThrow(CidrError);
    expect(() => parseCidr('10.0.0.0/x')).toThrow(CidrError);
  });

  test('AddressAllowlist: IPv4, IPv6, IPv4-mapped IPv6; comma lists; empty allows all', () => {
    const list = new AddressAllowlist(['10.0.0.0/8, 192.0.2.7', 'fd00::/8']);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('::ffff:10.200.3.4')).toBe(true);
    expect(list.allows('192.0.2.7')).toBe(true);
    expect(list.allows('192.0.2.8')).toBe(false);
    expect(list.allows('::ffff:192.0.2.8')).toBe(false);
    expect(list.allows('fd12::1')).toBe(true);
    expect(list.allows('fe80::1')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(new AddressAllowlist([]).allows('203.0.113.1')).toBe(true);
    expect(new AddressAllowlist(['0.0.0.0/0']).allows('::1')).toBe(false);
    expect(new AddressAllowlist(['::/0']).allows('::1')).toBe(true);
  });

  test('checkWebLimits: a bad value is a one-line error naming the flag', () => {
    const bad = (l: Partial<WebLimits>) => () => checkWebLimits({ ...DEFAULT_WEB_LIMITS, ...l });
    expect(bad({ allowedCidrs: ['10.0.0.0/40'] })).toThrow(/^invalid value for flag '--web.allowed-cidrs': "10.0.0.0\/40": the prefix length must be 0 to 32$/);
    expect(bad({ headerTimeoutMs: 2 ** 31 })).toThrow(/'--web.header-timeout': must be 0 \(none\) to 596h/);
    expect(bad({ requestTimeoutMs: -1 })).toThrow(/'--web.request-timeout'/);
    expect(bad({ headerTimeoutMs: 60_000, requestTimeoutMs: 30_000 })).toThrow(/'--web.header-timeout': must not be longer than --web.request-timeout/);
    expect(bad({ maxConnections: 1e7 })).toThrow(/'--web.max-connections'/);
    expect(bad({ headerTimeoutMs: 0, requestTimeoutMs: 0 })).not.toThrow();
  });
});

describe('connection limits and timeouts', () => {
  test('connections beyond --web.max-connections are refused at accept and counted; a freed slot is usable again', async () => {
    // Each client holds one connection, so none may take another's slot.
    const s = await serve({ limits: { maxConnections: 3, maxConnectionsPerClient: 0, headerTimeoutMs: 60_000, requestTimeoutMs: 60_000 } });
    const held = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((a) => connect(s.port, a)));
    await until(() => s.open() === 3);
    const extra = await connect(s.port, '127.0.0.5');
    expect(await untilClosed(extra)).toBe('');
    expect(s.dropped.max_connections).toBe(1);
    await expect(request(s.port, '/metrics', { localAddress: '127.0.0.6' })).rejects.toThrow();
    expect(s.dropped.max_connections).toBe(2);
    expect(s.warnings.some((w) => w.fields?.reason === 'max_connections' && w.fields?.limit === 3)).toBe(true);
    held[0].destroy();
    await until(() => s.open() === 2);
    expect((await request(s.port, '/metrics', { localAddress: '127.0.0.6' })).status).toBe(200);
    for (const h of held) h.destroy();
  });

  test('one address beyond --web.max-connections-per-client is refused; another address still gets /metrics', async () => {
    const s = await serve({ limits: { maxConnectionsPerClient: 3, headerTimeoutMs: 60_000, requestTimeoutMs: 60_000 } });
    const held = await Promise.all([1, 2, 3].map(() => connect(s.port, '127.0.0.2')));
    await until(() => s.open() === 3);
    const extra = await connect(s.port, '127.0.0.2');
    expect(await untilClosed(extra)).toBe('');
    expect(s.dropped.max_connections_per_client).toBe(1);
    expect((await request(s.port, '/metrics')).status).toBe(200);
    for (const h of held) h.destroy();
  });

  test('when full, many connections from a few addresses give way to a client with none', async () => {
    const s = await serve({ limits: { maxConnections: 20, maxConnectionsPerClient: 10, headerTimeoutMs: 60_000, requestTimeoutMs: 60_000 } });
    const hogs = await Promise.all(Array.from({ length: 40 }, (_, i) => connect(s.port, `127.0.1.${1 + (i % 4)}`)));
    const closed = hogs.map((h) => untilClosed(h));
    await until(() => s.open() === 20 && s.dropped.max_connections + s.dropped.max_connections_per_client >= 20);
    const r = await request(s.port, '/metrics', { localAddress: '127.0.0.9' });
    expect(r.status).toBe(200);
    expect(s.open()).toBeLessThanOrEqual(20);
    for (const h of hogs) h.destroy();
    await Promise.all(closed);
  });

  test('a slow-header connection is closed by the server after --web.header-timeout with 408, and counted', async () => {
    const s = await serve({ limits: { headerTimeoutMs: 200, requestTimeoutMs: 400 } });
    const slow = await connect(s.port);
    slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const silent = await connect(s.port, '127.0.0.2');
    const [slowGot, silentGot] = await Promise.all([untilClosed(slow), untilClosed(silent)]);
    expect(slowGot).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(silentGot).toMatch(/^HTTP\/1\.1 408/);
    expect(s.dropped.request_timeout).toBe(2);
    expect(s.warnings.find((w) => w.fields?.reason === 'request_timeout')?.fields).toMatchObject({ header_timeout_ms: 200 });
    // A prompt client is unaffected.
    expect((await request(s.port, '/metrics')).status).toBe(200);
  });

  test('malformed requests and oversized headers are answered as Node would, and counted', async () => {
    const s = await serve();
    const bad = await connect(s.port);
    bad.write('NOT HTTP AT ALL\r\n\r\n');
    expect(await untilClosed(bad)).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    const big = await connect(s.port);
    big.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(await untilClosed(big)).toMatch(/^HTTP\/1\.1 431/);
    expect(s.dropped.bad_request).toBe(1);
    expect(s.dropped.headers_too_large).toBe(1);
  });

  test('2,000 slow-header connections from one address and from 20 others: bounded, and /metrics still answers', async () => {
    const s = await serve({ limits: { headerTimeoutMs: 60_000, requestTimeoutMs: 60_000 } });
    const sockets: net.Socket[] = [];
    const closed: Array<Promise<string>> = [];
    const open = async (n: number, address: (i: number) => string): Promise<void> => {
      for (let i = 0; i < n; i += 100) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(100, n - i) }, (_, j) =>
            connect(s.port, address(i + j)).then((c) => {
              c.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
              return c;
            }),
          ),
        );
        for (const c of batch) {
          sockets.push(c);
          closed.push(untilClosed(c));
        }
      }
    };
    await open(1000, () => '127.0.0.2');
    await open(1000, (i) => `127.0.2.${1 + (i % 20)}`);
    await until(() => s.open() <= 512);
    expect(s.dropped.max_connections_per_client).toBeGreaterThanOrEqual(1000 - 64);
    expect(s.dropped.max_connections).toBeGreaterThan(0);
    expect((await request(s.port, '/metrics')).status).toBe(200);
    const n = await new Promise<number>((resolve) => s.server.getConnections((_e, c) => resolve(c)));
    expect(n).toBeLessThanOrEqual(512);
    for (const c of sockets) c.destroy();
    await Promise.all(closed);
  });
});

describe('client allowlist (--web.allowed-cidrs)', () => {
  test('a refused address is closed at accept and counted; an allowed one is served', async () => {
    const s = await serve({ limits: { allowedCidrs: ['127.0.0.1/32', '127.0.3.0/24'] } });
    const refused = await connect(s.port, '127.0.0.2');
    refused.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await untilClosed(refused)).toBe('');
    await expect(request(s.port, '/metrics', { localAddress: '127.0.4.1' })).rejects.toThrow();
    expect(s.dropped.not_allowed).toBe(2);
    expect((await request(s.port, '/metrics')).status).toBe(200);
    expect((await request(s.port, '/metrics', { localAddress: '127.0.3.99' })).status).toBe(200);
    expect(s.warnings.some((w) => w.fields?.reason === 'not_allowed' && w.fields?.remote === '127.0.0.2')).toBe(true);
  });

  test('dual-stack listener: IPv4 clients (seen as ::ffff:a.b.c.d) match IPv4 rules; IPv6 clients IPv6 rules', async () => {
    const s = await serve({ host: '::', limits: { allowedCidrs: ['127.0.0.0/30', '::1/128'] } });
    expect((await request(s.port, '/metrics', { host: '127.0.0.1', localAddress: '127.0.0.2' })).status).toBe(200);
    expect((await request(s.port, '/metrics', { host: '::1' })).status).toBe(200);
    await expect(request(s.port, '/metrics', { host: '127.0.0.1', localAddress: '127.0.0.5' })).rejects.toThrow();
    expect(s.dropped.not_allowed).toBe(1);
    const v4only = await serve({ host: '::', limits: { allowedCidrs: ['127.0.0.0/8'] } });
    await expect(request(v4only.port, '/metrics', { host: '::1' })).rejects.toThrow();
    expect(v4only.dropped.not_allowed).toBe(1);
  });

  describe('with a web config', () => {
    let pki: TestPki;
    beforeAll(() => {
      pki = makePki();
    });

    test('a TLS handshake that never completes is closed after --web.header-timeout and counted', async () => {
      const file = path.join(pki.dir, 'tls.yml');
      fs.writeFileSync(file, `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n`);
      const s = await serve({ webConfig: parseWebConfig(fs.readFileSync(file, 'utf8'), file), limits: { headerTimeoutMs: 200, requestTimeoutMs: 400 } });
      const silent = await connect(s.port);
      const half = await connect(s.port, '127.0.0.2');
      half.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff])); // the start of a ClientHello, never finished
      await Promise.all([untilClosed(silent), untilClosed(half)]);
      expect(s.dropped.request_timeout).toBe(2);
      expect(s.rejected.tls_handshake).toBe(0);
      expect((await request(s.port, '/-/healthy', { tls: { ca: pki.caCert } })).status).toBe(200);
    });

    test('checked before TLS and auth: a refused client costs no handshake and no password check', async () => {
      const hash = bcrypt.hashSync('s3cret', 4);
      const file = path.join(pki.dir, 'allow.yml');
      fs.writeFileSync(file, `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\nbasic_auth_users:\n  alice: ${hash}\n`);
      const s = await serve({ webConfig: parseWebConfig(fs.readFileSync(file, 'utf8'), file), limits: { allowedCidrs: ['127.0.0.1'] } });
      const tls = { ca: pki.caCert };
      await expect(request(s.port, '/metrics', { tls, auth: 'alice:wrong', localAddress: '127.0.0.2' })).rejects.toThrow();
      expect(s.dropped.not_allowed).toBe(1);
      expect(s.rejected.tls_handshake).toBe(0);
      expect(s.rejected.unauthorized).toBe(0);
      expect((await request(s.port, '/metrics', { tls, auth: 'alice:s3cret' })).status).toBe(200);
      expect((await request(s.port, '/metrics', { tls, auth: 'alice:wrong' })).status).toBe(401);
      expect(s.rejected.unauthorized).toBe(1);
    });
  });
});

describe('basic auth under attack', () => {
  test('a stand-in hash has the cost asked for, and bcrypt takes it without error (so it costs the same as a real one)', () => {
    for (let i = 0; i < 50; i++) {
      const h = standInHash(4);
      expect(h).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
      expect(bcrypt.compareSync('x', h)).toBe(false);
    }
    expect(standInHash(12).slice(0, 7)).toBe('$2b$12$');
  });

  test('unknown users are compared against a hash with a configured user\'s cost, the same for the same name', async () => {
    const users = new Map([
      ['cheap', bcrypt.hashSync('a', 4)],
      ['dear', bcrypt.hashSync('b', 6)],
    ]);
    const verifier = new BcryptVerifier();
    const compare = jest.spyOn(verifier, 'compare');
    const a = new BasicAuth(users, { verifier });
    try {
      const costs = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const name = `nobody${i}`;
        expect(a.standInFor(name)).toBe(a.standInFor(name));
        costs.add(a.standInFor(name).slice(4, 6));
      }
      expect([...costs].sort()).toEqual(['04', '06']);
      expect(await a.check(auth('nobody1:x'))).toBe('denied');
      expect(compare.mock.calls[0][1]).toBe(a.standInFor('nobody1'));
      expect(await a.check(auth('dear:x'))).toBe('denied');
      expect(compare.mock.calls[1][1]).toBe(users.get('dear'));
    } finally {
      a.close();
    }
  });

  test('checks are taken in turn per client: a client with many waiting does not delay another by more than one', async () => {
    const verifier = new BcryptVerifier();
    const a = new BasicAuth(new Map([['alice', bcrypt.hashSync('pw', 4)]]), { verifier, maxPendingPerClient: 100 });
    const order: string[] = [];
    try {
      const hammer = Array.from({ length: 20 }, () => a.check(auth('alice:wrong'), 'mallory').then((r) => order.push(`m:${r}`)));
      const legit = a.check(auth('alice:pw'), 'prometheus').then((r) => order.push(`p:${r}`));
      await Promise.all([...hammer, legit]);
      // One of mallory's was running when prometheus queued; then prometheus' turn.
      expect(order.indexOf('p:ok')).toBeLessThanOrEqual(2);
      expect(order.filter((o) => o === 'm:denied')).toHaveLength(20);
    } finally {
      a.close();
    }
  });

  test('per client: beyond maxPendingPerClient a client gets client_busy at once; others are not affected', async () => {
    const a = new BasicAuth(new Map([['alice', bcrypt.hashSync('pw', 4)]]), { maxPendingPerClient: 2 });
    try {
      const results = await Promise.all([...Array.from({ length: 5 }, () => a.check(auth('alice:wrong'), 'mallory')), a.check(auth('alice:pw'), 'prometheus')]);
      expect(results).toEqual(['denied', 'denied', 'client_busy', 'client_busy', 'client_busy', 'ok']);
    } finally {
      a.close();
    }
  });

  test('end to end: uncached legitimate users get 200 while 50 addresses x 8 parallel wrong-password clients hammer', async () => {
    const users = ['alice', 'bob', 'carol'];
    const yaml = `basic_auth_users:\n${users.map((u) => `  ${u}: ${bcrypt.hashSync(`${u}-pw`, 4)}`).join('\n')}\n`;
    const s = await serve({ webConfig: parseWebConfig(yaml, 'web.yml') });
    let stop = false;
    const attackerStatuses = new Map<number, number>();
    const attacker = async (address: string): Promise<void> => {
      while (!stop) {
        try {
          const r = await request(s.port, '/metrics', { auth: 'alice:guess', localAddress: address });
          attackerStatuses.set(r.status, (attackerStatuses.get(r.status) ?? 0) + 1);
        } catch {
          /* the server closing at the end */
        }
      }
    };
    const attackers = Array.from({ length: 50 * 8 }, (_, i) => attacker(`127.0.5.${10 + (i % 50)}`));
    await until(() => s.rejected.unauthorized >= 50 && s.rejected.auth_client_busy >= 50);
    const statuses: number[] = [];
    for (const u of users) statuses.push((await request(s.port, '/metrics', { auth: `${u}:${u}-pw` })).status);
    stop = true;
    await Promise.all(attackers);
    expect(statuses).toEqual([200, 200, 200]);
    expect([...attackerStatuses.keys()].sort()).toEqual([401, 429]);
    expect(s.rejected.auth_busy).toBe(0);
  });

  test('rate_limit is per client and applies after authentication: an unauthenticated flood does not use the scraper\'s tokens', async () => {
    const hash = bcrypt.hashSync('pw', 4);
    const s = await serve({ webConfig: parseWebConfig(`basic_auth_users:\n  alice: ${hash}\nrate_limit:\n  interval: 1h\n  burst: 2\n`, 'web.yml') });
    for (let i = 0; i < 10; i++) expect((await request(s.port, '/metrics', { localAddress: '127.0.0.2' })).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await request(s.port, '/metrics', { auth: 'alice:nope' })).status).toBe(401);
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await request(s.port, '/metrics', { auth: 'alice:pw' })).status);
    expect(mine).toEqual([200, 200, 429]);
    // Another client has its own bucket.
    expect((await request(s.port, '/metrics', { auth: 'alice:pw', localAddress: '127.0.0.3' })).status).toBe(200);
    expect(s.rejected.rate_limited).toBe(1);
  });

  test('rate_limit without users: per client', async () => {
    const s = await serve({ webConfig: parseWebConfig('rate_limit:\n  interval: 1h\n  burst: 2\n', 'web.yml') });
    const noisy = [];
    for (let i = 0; i < 4; i++) noisy.push((await request(s.port, '/-/healthy', { localAddress: '127.0.0.2' })).status);
    expect(noisy).toEqual([200, 200, 429, 429]);
    expect((await request(s.port, '/-/healthy')).status).toBe(200);
  });

  test('ClientRateLimiter: buckets per client, bounded; refilled buckets are forgotten first', () => {
    let now = 0;
    const l = new ClientRateLimiter(1000, 1, () => now, 10);
    expect(l.allow('a')).toBe(true);
    expect(l.allow('a')).toBe(false);
    expect(l.allow('b')).toBe(true);
    for (let i = 0; i < 20; i++) l.allow(`c${i}`);
    expect(l.clients).toBeLessThanOrEqual(10);
    now = 1000;
    expect(l.allow('b')).toBe(true);
  });
});

describe('daemon flags', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  test('--web.allowed-cidrs and the limits are flags; refusals show in /metrics', async () => {
    d = await startDaemon({ args: ['--web.allowed-cidrs=127.0.0.1/32', '--web.allowed-cidrs=::1', '--web.max-connections-per-client=8', '--web.header-timeout=5s'] });
    await expect(request(d.httpPort, '/metrics', { localAddress: '127.0.0.2' })).rejects.toThrow();
    const text = await d.scrapeText();
    expect(text).toMatch(/^statsd_bridge_http_connections_dropped_total\{reason="not_allowed"\} 1$/m);
    expect(text).toMatch(/^statsd_bridge_http_connections_dropped_total\{reason="request_timeout"\} 0$/m);
    expect(text).toMatch(/^statsd_bridge_http_connections_open [1-9]/m);
    expect(d.logs()).toMatch(/"web_allowed_cidrs":"127.0.0.1\/32,::1"/);
    expect(d.logs()).toMatch(/"msg":"web connection closed by a limit".*"reason":"not_allowed"/);
  });

  test('a bad CIDR stops the daemon at start with a one-line error', async () => {
    await expect(startDaemon({ args: ['--web.allowed-cidrs=10.0.0.0/99'] })).rejects.toThrow(/--web.allowed-cidrs.*10\.0\.0\.0\/99.*prefix length/);
  });
});
