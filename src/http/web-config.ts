// --web.config.file: the web configuration file of Prometheus' exporter-toolkit
// (docs/web-configuration.md), read once at start. Everything is checked before the daemon
// listens: YAML syntax, unknown keys (yaml.UnmarshalStrict upstream), certificates and keys,
// enumerations, bcrypt hashes (cost at most MAX_BCRYPT_COST), header values Node can send.
// A bad file is an error naming the file and the key.
//
//   tls_server_config: cert / cert_file, key / key_file, client_ca / client_ca_file,
//     client_auth_type, client_allowed_sans, min_version, max_version, cipher_suites,
//     prefer_server_cipher_suites, curve_preferences
//   http_server_config: http2, headers
//   basic_auth_users: { user: bcrypt hash }
//   rate_limit: { interval, burst }
//
// Differences from the toolkit: the file is read at start (the toolkit re-reads it on every
// request and connection; restart the bridge to apply a change), and HTTP/2 is not served
// (`http2` is accepted and ignored: the bridge speaks HTTP/1.1, over TLS when configured).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { parseGoDurationNs } from '../core/duration';
import { goScalar } from '../core/yaml-go';

export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

export interface WebTlsConfig {
  cert: Buffer;
  key: Buffer;
  /** Client CA bundle (PEM); null: the default root CAs verify client certificates. */
  clientCa: Buffer | null;
  clientAuth: ClientAuthType;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /** OpenSSL cipher list (TLS 1.2 suites from cipher_suites, TLS 1.3 ones always on); null = Node's default. */
  ciphers: string | null;
  honorCipherOrder: boolean;
  /** OpenSSL curve list from curve_preferences; null = Node's default. */
  ecdhCurve: string | null;
  /** A client certificate must carry one of these SANs (DNS, IP, e-mail or URI); null = no check. */
  clientAllowedSans: string[] | null;
}

export interface WebConfig {
  file: string;
  /** null: plain HTTP (the file configures no TLS). */
  tls: WebTlsConfig | null;
  http2: boolean;
  /** Extra response headers (only those the toolkit allows). */
  headers: Record<string, string>;
  /** user -> bcrypt hash; empty: no authentication. */
  users: Map<string, string>;
  /** Token bucket over all requests; null: no limit. */
  rateLimit: { intervalMs: number; burst: number } | null;
}

export class WebConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly detail: string,
  ) {
    super(`web config file "${file}"${key ? `: ${key}` : ''}: ${detail}`);
    this.name = 'WebConfigError';
  }
}

/** The headers the toolkit lets a web config set, with their allowed values (none = any). */
const ALLOWED_HEADERS: Record<string, readonly string[] | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

const TLS_VERSIONS: Record<string, tls.SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
const VERSION_ORDER: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Go's tls.CipherSuites() names -> OpenSSL names. Go ignores the TLS 1.3 ones (always on). */
const GO_CIPHERS: Record<string, string | null> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};
const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

const GO_CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/**
 * A bcrypt hash as Go's bcrypt.Cost accepts it: "$2$", "$2a$", "$2b$" or "$2y$", a two-digit
 * cost of 4 to 31, then 22 characters of salt and 31 of hash.
 */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(s: string): boolean {
  return BCRYPT_HASH.test(s);
}

/** The cost (log2 of the rounds) of a hash that passed isBcryptHash. */
export function bcryptCost(hash: string): number {
  return Number(hash.split('$')[2]);
}

/**
 * The highest bcrypt cost accepted. Go accepts up to 31, but each step doubles the time of one
 * check, and checks run one at a time (taken in turn per client): bcryptjs takes ~0.15 s at cost
 * 10 and ~0.55 s at 12 on a 2-core machine, so at 12 a legitimate user who waits behind one
 * check from each of ten other clients still gets in within Prometheus' default 10 s scrape
 * timeout; at 13 it is 11 s, and at 20 (68 s per check) one bad password blocks everyone.
 */
export const MAX_BCRYPT_COST = 12;

/**
 * What Node lets through in a header value (its checkInvalidHeaderChar): tab, printable ASCII
 * and U+0080-U+00FF (sent as Latin-1). Anything else, CR/LF and NUL first, would make every
 * response throw ERR_INVALID_CHAR, so it is refused at start.
 */
const INVALID_HEADER_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** Reads and checks a web config file. Throws WebConfigError. */
export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new WebConfigError(file, '', `cannot read the file: ${(err as Error).message}`);
  }
  return parseWebConfig(text, file);
}

/** Parses web config text; `file` names it in errors and anchors relative paths. */
export function parseWebConfig(text: string, file: string): WebConfig {
  const r = new Reader(file, text);
  const config: WebConfig = { file, tls: null, http2: true, headers: {}, users: new Map(), rateLimit: null };
  let tlsNode: Node | null = null;
  r.struct(r.root, '', {
    tls_server_config: (v) => (tlsNode = v),
    http_server_config: (v, k) =>
      r.struct(v, k, {
        http2: (x, kk) => (config.http2 = r.bool(x, kk)),
        headers: (x, kk) => (config.headers = headers(r, x, kk)),
      }),
    basic_auth_users: (v, k) => {
      for (const [user, node, kk] of r.entries(v, k)) {
        const hash = r.string(node, kk);
        if (!isBcryptHash(hash)) throw r.error(kk, 'not a bcrypt hash (want $2a$, $2b$ or $2y$ with a cost of 4 to 31, e.g. from `htpasswd -nBC 10 "" | tr -d \':\\n\'`)');
        const cost = bcryptCost(hash);
        if (cost > MAX_BCRYPT_COST) {
          const seconds = Math.round(0.55 * 2 ** (cost - MAX_BCRYPT_COST));
          throw r.error(kk, `bcrypt cost ${cost} is above the cap of ${MAX_BCRYPT_COST}: one wrong password would hold the password checker for ~${seconds} s (cost ${MAX_BCRYPT_COST}: ~0.5 s); hash the password again with a cost of ${MAX_BCRYPT_COST} or less, e.g. \`htpasswd -nBC 10 "" | tr -d ':\\n'\``);
        }
        config.users.set(user, hash);
      }
    },
    rate_limit: (v, k) => {
      let intervalMs = 0;
      let burst = 0;
      r.struct(v, k, {
        interval: (x, kk) => (intervalMs = r.duration(x, kk)),
        burst: (x, kk) => (burst = r.int(x, kk)),
      });
      if (intervalMs < 0) throw r.error(`${k}.interval`, 'must not be negative');
      if (burst < 0) throw r.error(`${k}.burst`, 'must not be negative');
      config.rateLimit = intervalMs > 0 ? { intervalMs, burst } : null;
    },
  });
  config.tls = tlsConfig(r, tlsNode, 'tls_server_config', path.dirname(file));
  return config;
}

function headers(r: Reader, node: Node | null, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v, k] of r.entries(node, key)) {
    const allowed = ALLOWED_HEADERS[name];
    if (allowed === undefined || !Object.hasOwn(ALLOWED_HEADERS, name)) {
      throw r.error(k, `HTTP header "${name}" can not be configured (allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')})`);
    }
    const value = r.string(v, k);
    const bad = INVALID_HEADER_VALUE_CHAR.exec(value);
    if (bad !== null) {
      const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw r.error(k, `invalid character U+${cp} at position ${bad.index} of the value (a header value may hold tabs, printable ASCII and U+0080-U+00FF only; no CR, LF or NUL)`);
    }
    if (allowed !== null && !allowed.includes(value)) throw r.error(k, `invalid value "${value}": expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    // Blank leaves the header unset.
    if (value !== '') out[name] = value;
  }
  return out;
}

function tlsConfig(r: Reader, node: Node | null, key: string, dir: string): WebTlsConfig | null {
  const raw = {
    cert: '',
    key: '',
    clientCa: '',
    certFile: '',
    keyFile: '',
    clientCaFile: '',
    clientAuth: '',
    cipherSuites: [] as string[],
    curves: [] as string[],
    minVersion: 'TLS12',
    maxVersion: 'TLS13',
    preferServer: true,
    sans: null as string[] | null,
  };
  r.struct(node, key, {
    cert: (v, k) => (raw.cert = r.string(v, k)),
    key: (v, k) => (raw.key = r.string(v, k)),
    client_ca: (v, k) => (raw.clientCa = r.string(v, k)),
    cert_file: (v, k) => (raw.certFile = r.string(v, k)),
    key_file: (v, k) => (raw.keyFile = r.string(v, k)),
    client_ca_file: (v, k) => (raw.clientCaFile = r.string(v, k)),
    client_auth_type: (v, k) => (raw.clientAuth = r.string(v, k)),
    cipher_suites: (v, k) => (raw.cipherSuites = r.strings(v, k)),
    curve_preferences: (v, k) => (raw.curves = r.strings(v, k)),
    min_version: (v, k) => (raw.minVersion = r.string(v, k)),
    max_version: (v, k) => (raw.maxVersion = r.string(v, k)),
    prefer_server_cipher_suites: (v, k) => (raw.preferServer = r.bool(v, k)),
    client_allowed_sans: (v, k) => (raw.sans = r.strings(v, k)),
  });
  // Enumerations are checked whether or not TLS ends up on (yaml decoding does so upstream).
  const minVersion = TLS_VERSIONS[raw.minVersion];
  if (!Object.hasOwn(TLS_VERSIONS, raw.minVersion)) throw r.error(`${key}.min_version`, `unknown TLS version: ${raw.minVersion} (want TLS10, TLS11, TLS12 or TLS13)`);
  const maxVersion = TLS_VERSIONS[raw.maxVersion];
  if (!Object.hasOwn(TLS_VERSIONS, raw.maxVersion)) throw r.error(`${key}.max_version`, `unknown TLS version: ${raw.maxVersion} (want TLS10, TLS11, TLS12 or TLS13)`);
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) throw r.error(`${key}.min_version`, `${raw.minVersion} is above max_version ${raw.maxVersion}`);
  const ciphers: string[] = [];
  raw.cipherSuites.forEach((name, i) => {
    if (!Object.hasOwn(GO_CIPHERS, name)) throw r.error(`${key}.cipher_suites[${i}]`, `unknown cipher: ${name}`);
    const openssl = GO_CIPHERS[name];
    if (openssl) ciphers.push(openssl);
  });
  const curves = raw.curves.map((name, i) => {
    if (!Object.hasOwn(GO_CURVES, name)) throw r.error(`${key}.curve_preferences[${i}]`, `unknown curve: ${name} (want ${Object.keys(GO_CURVES).join(', ')})`);
    return GO_CURVES[name];
  });
  let clientAuth: ClientAuthType;
  if (raw.clientAuth === '') clientAuth = 'NoClientCert';
  else if (raw.clientAuth === 'RequireClientCert') clientAuth = 'RequireAnyClientCert'; // the toolkit's old name
  else if ((CLIENT_AUTH_TYPES as readonly string[]).includes(raw.clientAuth)) clientAuth = raw.clientAuth as ClientAuthType;
  else throw r.error(`${key}.client_auth_type`, `invalid ClientAuth: ${raw.clientAuth} (want one of ${CLIENT_AUTH_TYPES.join(', ')})`);

  const enabled = raw.cert !== '' || raw.certFile !== '' || raw.key !== '' || raw.keyFile !== '' || raw.clientCa !== '' || raw.clientCaFile !== '' || raw.clientAuth !== '';
  if (!enabled) {
    if (raw.sans !== null) throw r.error(`${key}.client_allowed_sans`, 'needs TLS with client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
    return null;
  }
  if (raw.cert === '' && raw.certFile === '') throw r.error(key, 'missing one of cert or cert_file');
  if (raw.key === '' && raw.keyFile === '') throw r.error(key, 'missing one of key or key_file');
  if (raw.cert !== '' && raw.certFile !== '') throw r.error(`${key}.cert`, 'give cert or cert_file, not both');
  if (raw.key !== '' && raw.keyFile !== '') throw r.error(`${key}.key`, 'give key or key_file, not both');
  if (raw.clientCa !== '' && raw.clientCaFile !== '') throw r.error(`${key}.client_ca`, 'give client_ca or client_ca_file, not both');

  const read = (file: string, k: string): Buffer => {
    const p = path.resolve(dir, file);
    try {
      return fs.readFileSync(p);
    } catch (err) {
      throw r.error(k, `failed to read ${p}: ${(err as Error).message}`);
    }
  };
  const certKey = raw.certFile !== '' ? `${key}.cert_file` : `${key}.cert`;
  const keyKey = raw.keyFile !== '' ? `${key}.key_file` : `${key}.key`;
  const cert = raw.certFile !== '' ? read(raw.certFile, certKey) : Buffer.from(raw.cert);
  const keyPem = raw.keyFile !== '' ? read(raw.keyFile, keyKey) : Buffer.from(raw.key);

  const certs = pemCertificates(cert);
  if (certs.length === 0) throw r.error(certKey, 'no PEM certificate found');
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(certs[0]);
  } catch (err) {
    throw r.error(certKey, `invalid certificate: ${(err as Error).message}`);
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(keyPem);
  } catch (err) {
    throw r.error(keyKey, `invalid private key: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(privateKey)) throw r.error(keyKey, `the private key does not match the certificate in ${certKey}`);

  let clientCa: Buffer | null = null;
  if (raw.clientCa !== '' || raw.clientCaFile !== '') {
    const caKey = raw.clientCaFile !== '' ? `${key}.client_ca_file` : `${key}.client_ca`;
    clientCa = raw.clientCaFile !== '' ? read(raw.clientCaFile, caKey) : Buffer.from(raw.clientCa);
    const cas = pemCertificates(clientCa);
    if (cas.length === 0) throw r.error(caKey, 'no PEM certificate found');
    cas.forEach((pem, i) => {
      try {
        new crypto.X509Certificate(pem);
      } catch (err) {
        throw r.error(caKey, `certificate ${i + 1}: ${(err as Error).message}`);
      }
    });
    if (clientAuth === 'NoClientCert') throw r.error(`${key}.client_auth_type`, "client CA's have been configured without a Client Auth Policy");
  }
  if (raw.sans !== null && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    throw r.error(`${key}.client_allowed_sans`, 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (other types let a client in without a certificate)');
  }
  const out: WebTlsConfig = {
    cert,
    key: keyPem,
    clientCa,
    clientAuth,
    minVersion,
    maxVersion,
    ciphers: ciphers.length > 0 ? `${TLS13_SUITES}:${ciphers.join(':')}` : null,
    honorCipherOrder: raw.preferServer,
    ecdhCurve: curves.length > 0 ? curves.join(':') : null,
    clientAllowedSans: raw.sans,
  };
  // Last, OpenSSL's own view of the whole set (e.g. a cipher list it cannot use).
  try {
    tls.createSecureContext(secureContextOptions(out));
  } catch (err) {
    throw r.error(key, `TLS setup failed: ${(err as Error).message}`);
  }
  return out;
}

/** The options a TLS server built from this config is created with. */
export function secureContextOptions(c: WebTlsConfig): tls.SecureContextOptions & tls.TlsOptions {
  const requestCert = c.clientAuth !== 'NoClientCert';
  return {
    cert: c.cert,
    key: c.key,
    ...(c.clientCa ? { ca: c.clientCa } : {}),
    minVersion: c.minVersion,
    maxVersion: c.maxVersion,
    honorCipherOrder: c.honorCipherOrder,
    ...(c.ciphers ? { ciphers: c.ciphers } : {}),
    ...(c.ecdhCurve ? { ecdhCurve: c.ecdhCurve } : {}),
    requestCert,
    // Only RequireAndVerifyClientCert fails the handshake in OpenSSL; the other policies are
    // checked once the connection is up (see clientCertificateProblem).
    rejectUnauthorized: c.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** Why a TLS connection must be closed under the client_auth_type / client_allowed_sans rules, or null. */
export function clientCertificateProblem(c: WebTlsConfig, socket: tls.TLSSocket): string | null {
  if (c.clientAuth === 'NoClientCert' || c.clientAuth === 'RequestClientCert') {
    return null;
  }
  const peer = socket.getPeerCertificate();
  const present = peer !== null && peer !== undefined && Object.keys(peer).length > 0;
  if (!present) {
    if (c.clientAuth === 'VerifyClientCertIfGiven') return null;
    return 'no client certificate';
  }
  if ((c.clientAuth === 'VerifyClientCertIfGiven' || c.clientAuth === 'RequireAndVerifyClientCert') && !socket.authorized) {
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  }
  if (c.clientAllowedSans !== null) {
    const sans = subjectAltNames(peer.subjectaltname ?? '');
    if (!sans.some((s) => c.clientAllowedSans!.includes(s))) return 'client certificate has none of client_allowed_sans';
  }
  return null;
}

/** The values of Node's `subjectaltname` text ("DNS:a, IP Address:1.2.3.4, email:x, URI:y"). */
export function subjectAltNames(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|, )(DNS|IP Address|email|URI|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        /* keep it quoted */
      }
    }
    if (m[1] === 'DNS' || m[1] === 'IP Address' || m[1] === 'email' || m[1] === 'URI') out.push(value);
  }
  return out;
}

function pemCertificates(pem: Buffer): string[] {
  return pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** A strict walk over the YAML tree: every key known, every value of the right shape. */
class Reader {
  readonly root: Node | null;
  private readonly lines: LineCounter;

  constructor(
    private readonly file: string,
    text: string,
  ) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos ? err.linePos[0].line : lineCounter.linePos(err.pos[0]).line;
      throw new WebConfigError(file, '', `yaml: line ${line}: ${err.message.split('\n')[0]}`);
    }
    this.root = (doc.contents as Node | null) ?? null;
    this.lines = lineCounter;
  }

  error(key: string, detail: string): WebConfigError {
    return new WebConfigError(this.file, key, detail);
  }

  private where(node: Node | null): string {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? `line ${this.lines.linePos(range[0]).line}: ` : '';
  }

  private isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && goScalar(node).tag === '!!null');
  }

  /** Map entries as [key, value, "path.key"]. */
  entries(node: Node | null, path: string): Array<[string, Node | null, string]> {
    if (this.isNull(node)) return [];
    if (!isMap(node)) throw this.error(path, `${this.where(node)}expected a mapping`);
    return (node.items as Pair<unknown, unknown>[]).map((p) => {
      const k = isScalar(p.key) ? goScalar(p.key).text : String(p.key);
      return [k, (p.value as Node | null) ?? null, path ? `${path}.${k}` : k];
    });
  }

  /** A mapping with known keys only: each handler gets the value and its path. */
  struct(node: Node | null, path: string, fields: Record<string, (v: Node | null, key: string) => void>): void {
    for (const [k, v, kk] of this.entries(node, path)) {
      if (!Object.hasOwn(fields, k)) throw this.error(kk, `unknown key (known here: ${Object.keys(fields).join(', ')})`);
      fields[k](v, kk);
    }
  }

  string(node: Node | null, key: string): string {
    if (this.isNull(node)) return '';
    if (!isScalar(node)) throw this.error(key, `${this.where(node)}expected a string`);
    return goScalar(node).text;
  }

  strings(node: Node | null, key: string): string[] {
    if (this.isNull(node)) return [];
    if (!isSeq(node)) throw this.error(key, `${this.where(node)}expected a list of strings`);
    return node.items.map((item, i) => this.string((item as Node | null) ?? null, `${key}[${i}]`));
  }

  bool(node: Node | null, key: string): boolean {
    if (this.isNull(node)) return false;
    const s = isScalar(node) ? goScalar(node) : null;
    if (s === null || s.tag !== '!!bool') throw this.error(key, `${this.where(node)}expected true or false`);
    return s.value as boolean;
  }

  int(node: Node | null, key: string): number {
    if (this.isNull(node)) return 0;
    const s = isScalar(node) ? goScalar(node) : null;
    if (s === null || s.tag !== '!!int') throw this.error(key, `${this.where(node)}expected an integer`);
    return s.value as number;
  }

  /** A Go duration ("1s", "250ms"); a bare integer is nanoseconds, as yaml.v2 decodes time.Duration. */
  duration(node: Node | null, key: string): number {
    if (this.isNull(node)) return 0;
    const s = isScalar(node) ? goScalar(node) : null;
    if (s !== null && s.tag === '!!int') return (s.value as number) / 1e6;
    if (s === null) throw this.error(key, `${this.where(node)}expected a duration such as 1s`);
    try {
      return Number(parseGoDurationNs(s.text)) / 1e6;
    } catch (err) {
      throw this.error(key, `${this.where(node)}${(err as Error).message}`);
    }
  }
}
