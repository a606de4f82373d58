// rate_limit of a web config, one token bucket per client (golang.org/x/time/rate's Allow():
// `burst` tokens, one more every `intervalMs`, full at start). The toolkit keeps one bucket for
// all clients, so one noisy client gets the real scraper refused; here each client has its own.

/** Buckets kept at most; past it, full (idle) buckets go first, then the oldest. */
export const MAX_RATE_LIMITED_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  last: number;
}

export class ClientRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly nowMs: () => number,
    private readonly maxClients: number = MAX_RATE_LIMITED_CLIENTS,
  ) {}

  get clients(): number {
    return this.buckets.size;
  }

  /** Takes a token for `client`; false when it has none left. */
  allow(client: string): boolean {
    const now = this.nowMs();
    let b = this.buckets.get(client);
    if (b === undefined) {
      if (this.buckets.size >= this.maxClients) this.evict(now);
      b = { tokens: this.burst, last: now };
      this.buckets.set(client, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.last) / this.intervalMs);
      b.last = now;
      // Most recently seen last, so eviction takes the longest-unseen clients first.
      this.buckets.delete(client);
      this.buckets.set(client, b);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Forgets buckets that have refilled (they hold nothing a fresh one would not), then the
   * longest-unseen ones, down to 90% of the cap so a flood of new clients costs one sweep per
   * tenth of the cap, not one per request.
   */
  private evict(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.last) / this.intervalMs >= this.burst) this.buckets.delete(k);
    }
    const target = Math.floor(this.maxClients * 0.9);
    while (this.buckets.size > target) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }
}
