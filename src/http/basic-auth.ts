// HTTP basic authentication against the bcrypt hashes of a web config (basic_auth_users).
//
// bcrypt is slow on purpose (cost 10 is ~70 ms in Go, more in JavaScript), so:
// - the comparisons run in one worker thread, one at a time (the toolkit serialises them with a
//   mutex): a burst of bad passwords never blocks the event loop that receives StatsD traffic;
// - a successful verification is remembered per (user, hash): later requests with the same
//   password cost one HMAC and a constant-time comparison, no bcrypt (the toolkit caches too);
// - an unknown user is compared against a fixed hash, so timing does not reveal which users exist;
// - at most `maxPending` comparisons wait; beyond that a request is refused as busy (HTTP 503)
//   rather than queued without bound.
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';

export type AuthResult = 'ok' | 'denied' | 'busy';

/** bcrypt of "fakepassword" (cost 10), the toolkit's stand-in for unknown users. */
const DUMMY_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (m) => {
  let ok = false;
  try { ok = bcrypt.compareSync(m.password, m.hash) === true; } catch { ok = false; }
  parentPort.postMessage({ id: m.id, ok });
});
`;

/** Runs bcrypt comparisons off the main thread, in order. */
export class BcryptVerifier {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, (ok: boolean) => void>();
  private nextId = 0;
  private closed = false;

  constructor(readonly maxPending: number = 64) {}

  get queued(): number {
    return this.pending.size;
  }

  /** Resolves whether `password` matches `hash`; never rejects (a failure is a mismatch). */
  compare(password: string, hash: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const worker = this.ensureWorker();
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  close(): void {
    this.closed = true;
    this.failAll();
    void this.worker?.terminate();
    this.worker = null;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: require.resolve('bcryptjs') } });
    // The worker never keeps the process alive: pending requests hold their own sockets.
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean }) => {
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      resolve?.(m.ok === true);
    });
    const lost = (): void => {
      if (this.worker === worker) this.worker = null;
      this.failAll();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }

  private failAll(): void {
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
  }
}

export class BasicAuth {
  /** user -> the hash it was verified against and an HMAC of the password that matched. */
  private readonly verified = new Map<string, { hash: string; mac: Buffer }>();
  /** Per-process key: the cache holds no plain (fast, crackable) hash of any password. */
  private readonly macKey = crypto.randomBytes(32);

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly verifier: BcryptVerifier = new BcryptVerifier(),
  ) {}

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Checks an Authorization header. */
  async check(authorization: string | undefined): Promise<AuthResult> {
    const creds = parseBasicAuth(authorization);
    if (creds === null) return 'denied';
    const { user, password } = creds;
    const hash = this.users.get(user);
    const mac = crypto.createHmac('sha256', this.macKey).update(password).digest();
    if (hash !== undefined) {
      const hit = this.verified.get(user);
      if (hit !== undefined && hit.hash === hash && crypto.timingSafeEqual(hit.mac, mac)) return 'ok';
    }
    if (this.verifier.queued >= this.verifier.maxPending) return 'busy';
    const ok = await this.verifier.compare(password, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) return 'denied';
    this.verified.set(user, { hash, mac });
    return 'ok';
  }

  close(): void {
    this.verifier.close();
  }
}

/** Go's Request.BasicAuth: "Basic " (any case) + base64(user:password), split at the first ':'. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const b64 = header.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
