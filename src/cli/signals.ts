// Process signals, decided once for the daemon. statsd_exporter (Go) reloads on SIGHUP and shuts
// down cleanly on SIGTERM/SIGINT; Go's runtime ignores SIGUSR1, SIGUSR2, SIGALRM and the other
// "notify only" signals, and on SIGQUIT dumps its goroutines and exits 2 without cleanup (all
// checked against statsd_exporter v0.27.2). Node instead opens its inspector on SIGUSR1 (anyone
// on loopback could then run code as the bridge) and dies without cleanup on SIGUSR2, SIGALRM and
// the rest, leaving the unixgram socket file behind so the next start fails. So:
// - SIGUSR1 and the signals Go ignores: ignored here too, logged (bin/statsd-bridge.js installs
//   the SIGUSR1 listener first thing, which is what keeps Node's inspector shut);
// - SIGQUIT: a clean shutdown (listeners closed, pending input applied, socket file removed),
//   exit code 2 as Go's.
import os from 'node:os';
import type { Logger } from '../core/logger';

/** Signals that Go's runtime catches and ignores when not notified; Node's default would kill (or, for SIGUSR1, open the inspector). */
export const IGNORED_SIGNALS = ['SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGXCPU', 'SIGXFSZ', 'SIGIO', 'SIGPWR', 'SIGSTKFLT'] as const;

/** Exit code after SIGQUIT, as Go's (which exits 2 after its goroutine dump). */
export const SIGQUIT_EXIT_CODE = 2;

export interface SignalActions {
  logger: Logger;
  reload: () => void;
  shutdown: (reason: string, exitCode: number) => void;
}

/** Installs the daemon's handlers; returns a function that removes them. */
export function installSignalHandlers(actions: SignalActions): () => void {
  const { logger } = actions;
  const handlers: Array<[NodeJS.Signals, () => void]> = [
    [
      'SIGHUP',
      () => {
        logger.info('Received SIGHUP, reloading mapping config');
        actions.reload();
      },
    ],
    ['SIGTERM', () => actions.shutdown('SIGTERM', 0)],
    ['SIGINT', () => actions.shutdown('SIGINT', 0)],
    ['SIGQUIT', () => actions.shutdown('SIGQUIT', SIGQUIT_EXIT_CODE)],
  ];
  for (const signal of IGNORED_SIGNALS) {
    if (!(signal in os.constants.signals)) continue; // not on this platform
    handlers.push([signal, () => logger.info('Received signal, ignored (as statsd_exporter does)', { signal })]);
  }
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
