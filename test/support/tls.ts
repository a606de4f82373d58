// Test certificates, made at test time with openssl into a temp dir: a CA, a server
// certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it (with
// SANs), and an untrusted self-signed client certificate. Plus an HTTPS/HTTP request helper.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { readCheckedReply } from './exposition-check';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Self-signed, not signed by the CA. */
  strangerCert: string;
  strangerKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=statsd-bridge test CA'], dir);
  const signed = (name: string, san: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  signed('server', 'DNS:localhost,IP:127.0.0.1');
  signed('client', 'DNS:client.example,URI:spiffe://test/client');
  openssl(['req', '-x509', ...ec, '-keyout', 'stranger.key', '-out', 'stranger.pem', '-days', '2', '-subj', '/CN=stranger', '-addext', 'subjectAltName=DNS:client.example'], dir);
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    strangerCert: p('stranger.pem'),
    strangerKey: p('stranger.key'),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  auth?: string;
  tls?: { ca?: string; cert?: string; key?: string } | null;
  headers?: Record<string, string>;
  /** Source address of the client socket (e.g. 127.0.0.2: Linux routes all of 127/8 to lo). */
  localAddress?: string;
  /** Server address; 127.0.0.1 when absent. */
  host?: string;
}

/** One request to 127.0.0.1:port (or opts.host); rejects on a connection or TLS error. */
export function request(port: number, urlPath: string, opts: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== undefined) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const common = { host: opts.host ?? '127.0.0.1', port, path: urlPath, method: opts.method ?? 'GET', headers, agent: false as const, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) };
  return new Promise((resolve, reject) => {
    // A page (status 200, exposition content type) must be a valid exposition.
    const onResponse = (res: http.IncomingMessage) => readCheckedReply(res).then(resolve, reject);
    const req = opts.tls
      ? https.request(
          {
            ...common,
            ca: opts.tls.ca ? fs.readFileSync(opts.tls.ca) : undefined,
            cert: opts.tls.cert ? fs.readFileSync(opts.tls.cert) : undefined,
            key: opts.tls.key ? fs.readFileSync(opts.tls.key) : undefined,
          },
          onResponse,
        )
      : http.request(common, onResponse);
    req.on('error', reject);
    req.end();
  });
}
