// HTTP basic authentication against the bcrypt hashes of a web config (basic_auth_users).
//
// bcrypt is slow on purpose (cost 10 is ~70 ms in Go, ~150 ms in bcryptjs), so a flood of wrong
// passwords must neither block the event loop that receives StatsD traffic nor starve the
// legitimate user:
// - the comparisons run in one worker thread, one at a time (the toolkit serialises them with a
//   mutex), taken in turn per client (round robin over client addresses): a legitimate client
//   waits for at most one check per other waiting client, however many requests each sends;
// - a client may have at most `maxPendingPerClient` checks waiting; more are refused at once
//   (HTTP 429) without queueing, and all clients together at most `maxPending` (HTTP 503);
// - a known-good password is checked first: a successful verification is remembered per user
//   (an HMAC of the password with a per-process key, and the hash it matched), so later
//   requests with it cost one HMAC and a constant-time comparison, no bcrypt, no queue;
// - an unknown user is compared against a stand-in hash with the cost of a configured user
//   (picked by the user name, so the same name always costs the same), so the time taken does
//   not tell an unknown user from a known one.
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';

export type AuthResult = 'ok' | 'denied' | 'busy' | 'client_busy';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (m) => {
  let ok = false;
  try { ok = bcrypt.compareSync(m.password, m.hash) === true; } catch { ok = false; }
  parentPort.postMessage({ id: m.id, ok });
});
`;

interface Job {
  id: number;
  client: string;
  password: string;
  hash: string;
  resolve: (ok: boolean) => void;
}

/** Runs bcrypt comparisons off the main thread, one at a time, taking clients in turn. */
export class BcryptVerifier {
  private worker: Worker | null = null;
  /** Waiting jobs per client; the Map's order is the round robin (served clients move to the end). */
  private readonly waiting = new Map<string, Job[]>();
  private inFlight: Job | null = null;
  private size = 0;
  private nextId = 0;
  private closed = false;

  constructor(readonly maxPending: number = 1024) {}

  /** Comparisons waiting or running. */
  get queued(): number {
    return this.size;
  }

  /** Comparisons waiting or running for one client. */
  queuedFor(client: string): number {
    return (this.waiting.get(client)?.length ?? 0) + (this.inFlight?.client === client ? 1 : 0);
  }

  /** Resolves whether `password` matches `hash`; never rejects (a failure is a mismatch). */
  compare(password: string, hash: string, client = ''): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const job: Job = { id: this.nextId++, client, password, hash, resolve };
      const list = this.waiting.get(client);
      if (list) list.push(job);
      else this.waiting.set(client, [job]);
      this.size++;
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    this.failAll();
    void this.worker?.terminate();
    this.worker = null;
  }

  private pump(): void {
    if (this.inFlight !== null || this.closed) return;
    const next = this.waiting.entries().next();
    if (next.done === true) return;
    const [client, list] = next.value;
    const job = list.shift()!;
    this.waiting.delete(client);
    if (list.length > 0) this.waiting.set(client, list);
    this.inFlight = job;
    this.ensureWorker().postMessage({ id: job.id, password: job.password, hash: job.hash });
  }

  private finish(id: number, ok: boolean): void {
    const job = this.inFlight;
    if (job === null || job.id !== id) return;
    this.inFlight = null;
    this.size--;
    job.resolve(ok);
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: require.resolve('bcryptjs') } });
    // The worker never keeps the process alive: pending requests hold their own sockets.
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean }) => this.finish(m.id, m.ok === true));
    const lost = (): void => {
      if (this.worker !== worker) return;
      this.worker = null;
      // The comparison it was running fails; the others wait for a new worker.
      if (this.inFlight !== null) this.finish(this.inFlight.id, false);
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }

  private failAll(): void {
    const jobs = [...(this.inFlight ? [this.inFlight] : []), ...[...this.waiting.values()].flat()];
    this.inFlight = null;
    this.waiting.clear();
    this.size = 0;
    for (const job of jobs) job.resolve(false);
  }
}

export interface BasicAuthOptions {
  verifier?: BcryptVerifier;
  /** Checks one client may have waiting or running; more get 'client_busy'. */
  maxPendingPerClient?: number;
}

export const DEFAULT_MAX_PENDING_PER_CLIENT = 4;

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A well-formed bcrypt hash of nothing anyone knows, with the given cost: comparing costs the same as a real one. */
export function standInHash(cost: number): string {
  const chars = Array.from(crypto.randomBytes(53), (b) => BCRYPT_ALPHABET[b & 63]).join('');
  return `$2b$${String(cost).padStart(2, '0')}$${chars}`;
}

export class BasicAuth {
  /** user -> the hash it was verified against and an HMAC of the password that matched. */
  private readonly verified = new Map<string, { hash: string; mac: Buffer }>();
  /** Per-process key: the cache holds no plain (fast, crackable) hash of any password. */
  private readonly macKey = crypto.randomBytes(32);
  /** One stand-in hash per configured cost, and the cost of each user in order (for unknown names). */
  private readonly standIns = new Map<number, string>();
  private readonly userCosts: number[];
  private readonly verifier: BcryptVerifier;
  private readonly maxPendingPerClient: number;

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    opts: BasicAuthOptions | BcryptVerifier = {},
  ) {
    const o = opts instanceof BcryptVerifier ? { verifier: opts } : opts;
    this.verifier = o.verifier ?? new BcryptVerifier();
    this.maxPendingPerClient = o.maxPendingPerClient ?? DEFAULT_MAX_PENDING_PER_CLIENT;
    this.userCosts = [...users.values()].map((h) => Number(h.split('$')[2]) || 10);
    for (const cost of this.userCosts) if (!this.standIns.has(cost)) this.standIns.set(cost, standInHash(cost));
    if (this.userCosts.length === 0) this.standIns.set(10, standInHash(10));
  }

  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** The hash an unknown user is compared against: the same for the same name, with a configured user's cost. */
  standInFor(user: string): string {
    if (this.userCosts.length === 0) return this.standIns.get(10)!;
    const pick = crypto.createHmac('sha256', this.macKey).update(user).digest().readUInt32BE(0) % this.userCosts.length;
    return this.standIns.get(this.userCosts[pick])!;
  }

  /** Checks an Authorization header from `client` (see clientKey). */
  async check(authorization: string | undefined, client = ''): Promise<AuthResult> {
    const creds = parseBasicAuth(authorization);
    if (creds === null) return 'denied';
    const { user, password } = creds;
    const hash = this.users.get(user);
    const mac = crypto.createHmac('sha256', this.macKey).update(password).digest();
    if (hash !== undefined) {
      const hit = this.verified.get(user);
      if (hit !== undefined && hit.hash === hash && crypto.timingSafeEqual(hit.mac, mac)) return 'ok';
    }
    if (this.verifier.queuedFor(client) >= this.maxPendingPerClient) return 'client_busy';
    if (this.verifier.queued >= this.verifier.maxPending) return 'busy';
    const ok = await this.verifier.compare(password, hash ?? this.standInFor(user), client);
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
