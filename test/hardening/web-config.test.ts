// --web.config.file (exporter-toolkit format): TLS, client certificates, basic auth with bcrypt,
// response headers and rate limiting on every HTTP endpoint; a bad file fails at start naming
// the file and the key.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { BasicAuth, BcryptVerifier, parseBasicAuth } from '../../src/http/basic-auth';
import { WebConfigError, isBcryptHash, loadWebConfig, parseWebConfig, subjectAltNames } from '../../src/http/web-config';
import { BIN, REPO_ROOT, startDaemon, type Daemon } from '../support/daemon';
import { tempFile } from '../support/inprocess';
import { makePki, request, type TestPki } from '../support/tls';

const HASH = bcrypt.hashSync('s3cret', 4);

let pki: TestPki;
beforeAll(() => {
  pki = makePki();
});

function webFile(yaml: string): string {
  const file = path.join(pki.dir, `web-${Math.random().toString(36).slice(2)}.yml`);
  fs.writeFileSync(file, yaml);
  return file;
}

function configError(yaml: string): WebConfigError {
  try {
    loadWebConfig(webFile(yaml));
  } catch (err) {
    if (err instanceof WebConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('web config file: checked at start', () => {
  test('a valid file: TLS (paths relative to the file), users, headers, rate limit', () => {
    fs.copyFileSync(pki.serverCert, path.join(pki.dir, 'rel.pem'));
    const c = loadWebConfig(
      webFile(
        `tls_server_config:\n  cert_file: rel.pem\n  key_file: ${pki.serverKey}\n  min_version: TLS13\n  curve_preferences: [X25519, CurveP256]\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n` +
          `http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n` +
          `basic_auth_users:\n  alice: ${HASH}\nrate_limit:\n  interval: 1s\n  burst: 5\n`,
      ),
    );
    expect(c.tls?.minVersion).toBe('TLSv1.3');
    expect(c.tls?.ecdhCurve).toBe('X25519:P-256');
    expect(c.tls?.ciphers).toContain('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(c.users.get('alice')).toBe(HASH);
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
    expect(c.rateLimit).toEqual({ intervalMs: 1000, burst: 5 });
    expect(c.http2).toBe(false);
  });

  test('header values Node can send pass: tabs, printable ASCII, Latin-1; cost 12 passes', () => {
    const c = parseWebConfig(`http_server_config:\n  headers:\n    Content-Security-Policy: "default-src\\t'self' caf\u00e9\u00ff"\nbasic_auth_users:\n  a: "$2y$12$${'a'.repeat(53)}"\n`, 'x.yml');
    expect(c.headers['Content-Security-Policy']).toBe("default-src\t'self' caf\u00e9\u00ff");
    expect(c.users.size).toBe(1);
  });

  test('an empty file, or one without TLS fields, serves plain HTTP', () => {
    expect(parseWebConfig('', 'x.yml')).toMatchObject({ tls: null, users: new Map() });
    expect(parseWebConfig('tls_server_config:\n  min_version: TLS12\n', 'x.yml').tls).toBeNull();
  });

  test.each([
    ['bad YAML', 'tls_server_config: [unclosed\n', '', /yaml: line \d+/],
    ['unknown top-level key', 'tls_config:\n  cert_file: x\n', 'tls_config', /unknown key/],
    ['unknown nested key', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}K\n  certfile: x\n`, 'tls_server_config.certfile', /unknown key/],
    ['cert file missing', 'tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/key.pem\n', 'tls_server_config.cert_file', /failed to read \/nonexistent\/cert\.pem/],
    ['not a certificate', `tls_server_config:\n  cert_file: ${'$'}K\n  key_file: ${'$'}K\n`, 'tls_server_config.cert_file', /no PEM certificate/],
    ['key does not match', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}OK\n`, 'tls_server_config.key_file', /does not match/],
    ['cert without key', `tls_server_config:\n  cert_file: ${'$'}C\n`, 'tls_server_config', /missing one of key or key_file/],
    ['unknown TLS version', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}K\n  min_version: TLS14\n`, 'tls_server_config.min_version', /unknown TLS version/],
    ['unknown cipher', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}K\n  cipher_suites: [TLS_FOO]\n`, 'tls_server_config.cipher_suites[0]', /unknown cipher/],
    ['bad client auth type', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}K\n  client_auth_type: Maybe\n`, 'tls_server_config.client_auth_type', /invalid ClientAuth/],
    ['client CA without a policy', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}K\n  client_ca_file: ${'$'}CA\n`, 'tls_server_config.client_auth_type', /without a Client Auth Policy/],
    ['allowed SANs with an optional cert', `tls_server_config:\n  cert_file: ${'$'}C\n  key_file: ${'$'}K\n  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [x]\n`, 'tls_server_config.client_allowed_sans', /RequireAnyClientCert/],
    ['not a bcrypt hash', 'basic_auth_users:\n  alice: plaintext\n', 'basic_auth_users.alice', /not a bcrypt hash/],
    ['header not allowed', 'http_server_config:\n  headers:\n    X-Powered-By: me\n', 'http_server_config.headers.X-Powered-By', /can not be configured/],
    ['header value not allowed', 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', 'http_server_config.headers.X-Frame-Options', /expected one of "deny", "sameorigin"/],
    ['http2 not a bool', 'http_server_config:\n  http2: maybe\n', 'http_server_config.http2', /true or false/],
    ['bad rate limit interval', 'rate_limit:\n  interval: soon\n', 'rate_limit.interval', /invalid duration/],
    // Values Node cannot send would throw ERR_INVALID_CHAR on the first response and kill the daemon.
    ['header value with CR/LF', 'http_server_config:\n  headers:\n    Content-Security-Policy: "default-src \'self\'\\r\\nSet-Cookie: a=b"\n', 'http_server_config.headers.Content-Security-Policy', /invalid character U\+000D at position 18/],
    ['header value with LF', 'http_server_config:\n  headers:\n    Strict-Transport-Security: "max-age=1\\n"\n', 'http_server_config.headers.Strict-Transport-Security', /invalid character U\+000A/],
    ['header value with NUL', 'http_server_config:\n  headers:\n    X-XSS-Protection: "1\\0"\n', 'http_server_config.headers.X-XSS-Protection', /invalid character U\+0000.*no CR, LF or NUL/],
    ['header value above U+00FF', 'http_server_config:\n  headers:\n    Content-Security-Policy: "default-src \u2603"\n', 'http_server_config.headers.Content-Security-Policy', /invalid character U\+2603/],
    ['header value with DEL', 'http_server_config:\n  headers:\n    X-XSS-Protection: "1\\x7f"\n', 'http_server_config.headers.X-XSS-Protection', /invalid character U\+007F/],
    ['bcrypt cost above the cap', `basic_auth_users:\n  alice: "$2y$13$${'a'.repeat(53)}"\n`, 'basic_auth_users.alice', /bcrypt cost 13 is above the cap of 12: one wrong password would hold the password checker for ~1 s/],
    ['bcrypt cost 31', `basic_auth_users:\n  alice: "$2b$31$${'a'.repeat(53)}"\n`, 'basic_auth_users.alice', /bcrypt cost 31 is above the cap of 12/],
  ])('%s', (_name, yaml, key, detail) => {
    const text = yaml.replace(/\$OK/g, pki.clientKey).replace(/\$CA/g, pki.caCert).replace(/\$C/g, pki.serverCert).replace(/\$K/g, pki.serverKey);
    const err = configError(text);
    expect(err.key).toBe(key);
    expect(err.message).toMatch(detail);
    expect(err.message).toContain('web config file "');
    if (key) expect(err.message).toContain(`: ${key}: `);
  });

  test('an unreadable file', () => {
    expect(() => loadWebConfig(path.join(pki.dir, 'missing.yml'))).toThrow(/web config file ".*missing\.yml": cannot read the file: ENOENT/);
  });

  test('the daemon refuses to start with a bad web config, naming the file and the key', () => {
    const file = webFile('basic_auth_users:\n  bob: "$2y$10$short"\n');
    const r = spawnSync(process.execPath, [BIN, `--web.config.file=${file}`, '--statsd.listen-udp=127.0.0.1:0', '--statsd.listen-tcp=', '--web.listen-address=127.0.0.1:0'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('basic_auth_users.bob');
    expect(r.stderr).not.toContain('Listening');
  });

  test('issue 10 row 2: a header value with CR/LF stops the daemon at start, naming the key (not at the first request)', () => {
    const file = webFile('http_server_config:\n  headers:\n    Strict-Transport-Security: "max-age=1\\r\\nX: y"\n');
    const r = spawnSync(process.execPath, [BIN, `--web.config.file=${file}`, '--statsd.listen-udp=127.0.0.1:0', '--statsd.listen-tcp=', '--web.listen-address=127.0.0.1:0'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('http_server_config.headers.Strict-Transport-Security: invalid character U+000D');
    expect(r.stderr).not.toContain('Listening');
  });

  test('bcrypt hashes as Go accepts them', () => {
    expect(isBcryptHash(HASH)).toBe(true);
    expect(isBcryptHash('$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi')).toBe(true);
    expect(isBcryptHash('$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi')).toBe(false);
    expect(isBcryptHash('$1$abc')).toBe(false);
  });

  test('subjectAltName parsing', () => {
    expect(subjectAltNames('DNS:a.example, IP Address:127.0.0.1, email:x@y, URI:spiffe://t/c, DNS:"b,c"')).toEqual(['a.example', '127.0.0.1', 'x@y', 'spiffe://t/c', 'b,c']);
  });
});

describe('basic auth', () => {
  test('Authorization header parsing (Go Request.BasicAuth)', () => {
    const h = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');
    expect(parseBasicAuth(h('u:p:q'))).toEqual({ user: 'u', password: 'p:q' });
    expect(parseBasicAuth('bAsIc ' + Buffer.from('u:').toString('base64'))).toEqual({ user: 'u', password: '' });
    expect(parseBasicAuth(h('nocolon'))).toBeNull();
    expect(parseBasicAuth('Bearer x')).toBeNull();
    expect(parseBasicAuth('Basic !!!')).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
  });

  test('a verified password is cached per (user, hash): no bcrypt on later requests; wrong ones always pay', async () => {
    const verifier = new BcryptVerifier();
    const compare = jest.spyOn(verifier, 'compare');
    const auth = new BasicAuth(new Map([['alice', HASH]]), verifier);
    const h = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');
    try {
      expect(await auth.check(h('alice:s3cret'))).toBe('ok');
      expect(compare).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 5; i++) expect(await auth.check(h('alice:s3cret'))).toBe('ok');
      expect(compare).toHaveBeenCalledTimes(1);
      expect(await auth.check(h('alice:wrong'))).toBe('denied');
      expect(compare).toHaveBeenCalledTimes(2);
      // An unknown user still costs a bcrypt comparison (against a fixed hash): no timing oracle.
      expect(await auth.check(h('mallory:s3cret'))).toBe('denied');
      expect(compare).toHaveBeenCalledTimes(3);
      expect(compare.mock.calls[2][1]).not.toBe(HASH);
      expect(await auth.check(undefined)).toBe('denied');
    } finally {
      auth.close();
    }
  });

  test('too many comparisons waiting: busy, not an unbounded queue', async () => {
    const verifier = new BcryptVerifier(2);
    const auth = new BasicAuth(new Map([['alice', bcrypt.hashSync('x', 10)]]), verifier);
    const h = 'Basic ' + Buffer.from('alice:wrong').toString('base64');
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => auth.check(h)));
      expect(results.filter((r) => r === 'busy').length).toBe(4);
      expect(results.filter((r) => r === 'denied').length).toBe(2);
    } finally {
      auth.close();
    }
  });
});

describe('protected endpoints (daemon)', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  test('TLS and basic auth on every endpoint; configured headers on every response; lifecycle only when enabled', async () => {
    const file = webFile(
      `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n` +
        `http_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n` +
        `basic_auth_users:\n  alice: ${HASH}\n`,
    );
    d = await startDaemon({ args: [`--web.config.file=${file}`, '--web.enable-lifecycle', `--statsd.mapping-config=${tempFile('m.yml', 'mappings: []\n')}`] });
    const tls = { ca: pki.caCert };
    for (const [method, p] of [['GET', '/metrics'], ['GET', '/'], ['GET', '/-/healthy'], ['GET', '/-/ready'], ['POST', '/-/reload'], ['PUT', '/-/quit']]) {
      const anon = await request(d.httpPort, p, { method, tls });
      expect({ p, status: anon.status }).toEqual({ p, status: 401 });
      expect(anon.headers['www-authenticate']).toBe('Basic');
      expect(anon.headers['x-frame-options']).toBe('deny');
      const wrong = await request(d.httpPort, p, { method, tls, auth: 'alice:nope' });
      expect({ p, status: wrong.status }).toEqual({ p, status: 401 });
    }
    for (const p of ['/metrics', '/', '/-/healthy', '/-/ready']) {
      const ok = await request(d.httpPort, p, { tls, auth: 'alice:s3cret' });
      expect({ p, status: ok.status }).toEqual({ p, status: 200 });
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
    }
    const reload = await request(d.httpPort, '/-/reload', { method: 'POST', tls, auth: 'alice:s3cret' });
    expect(reload.status).toBe(200);
    // Plain HTTP on the TLS port gets nowhere.
    await expect(request(d.httpPort, '/metrics', { tls: null })).rejects.toThrow();
    // A client that does not trust the certificate refuses it.
    await expect(request(d.httpPort, '/metrics', { tls: {} })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
    const m = await request(d.httpPort, '/metrics', { tls, auth: 'alice:s3cret' });
    expect(m.body).toMatch(/statsd_bridge_http_requests_rejected_total\{reason="unauthorized"\} 12/);
    expect(m.body).toMatch(/statsd_exporter_config_reloads_total\{outcome="success"\} 1/);
    expect(d.logs()).toMatch(/"web_tls":"on","web_basic_auth":"on"/);
  });

  test('lifecycle endpoints stay off unless enabled, even for an authenticated user', async () => {
    d = await startDaemon({ args: [`--web.config.file=${webFile(`basic_auth_users:\n  alice: ${HASH}\n`)}`] });
    expect((await request(d.httpPort, '/-/reload', { method: 'POST', auth: 'alice:s3cret' })).status).toBe(404);
    expect((await request(d.httpPort, '/-/quit', { method: 'PUT', auth: 'alice:s3cret' })).status).toBe(404);
    expect(d.proc.exitCode).toBeNull();
    expect((await request(d.httpPort, '/metrics', { auth: 'alice:s3cret' })).status).toBe(200);
  });

  test('client certificates: RequireAndVerifyClientCert with a client CA and allowed SANs', async () => {
    const file = webFile(
      `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.caCert}\n  client_allowed_sans: ["spiffe://test/client"]\n`,
    );
    d = await startDaemon({ args: [`--web.config.file=${file}`] });
    const ok = await request(d.httpPort, '/metrics', { tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } });
    expect(ok.status).toBe(200);
    await expect(request(d.httpPort, '/metrics', { tls: { ca: pki.caCert } })).rejects.toThrow();
    await expect(request(d.httpPort, '/metrics', { tls: { ca: pki.caCert, cert: pki.strangerCert, key: pki.strangerKey } })).rejects.toThrow();
    const m = await request(d.httpPort, '/metrics', { tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } });
    expect(Number(/statsd_bridge_http_requests_rejected_total\{reason="tls_handshake"\} (\d+)/.exec(m.body)?.[1])).toBeGreaterThanOrEqual(1);
  });

  test('client_allowed_sans refuses a trusted certificate without a listed SAN', async () => {
    const file = webFile(
      `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: ["only.this.example"]\n`,
    );
    d = await startDaemon({ args: [`--web.config.file=${file}`] });
    await expect(request(d.httpPort, '/metrics', { tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } })).rejects.toThrow();
    await expect(request(d.httpPort, '/metrics', { tls: { ca: pki.caCert } })).rejects.toThrow();
  });

  test('rate_limit: beyond the burst, 429', async () => {
    d = await startDaemon({ args: [`--web.config.file=${webFile('rate_limit:\n  interval: 1h\n  burst: 2\n')}`] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(d.httpPort, '/-/healthy')).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});
