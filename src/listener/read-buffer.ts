// The socket receive buffer (--statsd.read-buffer), shared by the datagram listeners.
import type { Logger } from '../core/logger';

/**
 * Sets SO_RCVBUF and warns when the kernel capped it (Linux reports double the effective size,
 * and caps requests at net.core.rmem_max).
 */
export function applyReadBuffer(
  requested: number,
  set: (n: number) => void,
  get: () => number,
  logger: Logger,
  transport: string,
): void {
  set(requested);
  const effective = get();
  if (effective < requested) {
    logger.warn('socket receive buffer was capped by the kernel', {
      transport,
      requested,
      effective,
      hint: `raise the cap: sysctl -w net.core.rmem_max=${requested}`,
    });
  }
}
