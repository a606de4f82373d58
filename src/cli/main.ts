// Entry point of the `statsd-bridge` command: parse flags, then check the config, run a
// workbench command, or run the daemon until SIGTERM/SIGINT (exit 0), SIGQUIT (exit 2) or a fatal error (exit 1).
// Signals: src/cli/signals.ts.
import { systemClock } from '../core/clock';
import { createLogger, type Logger } from '../core/logger';
import { startBridge, type RunningBridge } from '../bridge';
import { loadMappingFilesAsync } from '../mapper/load';
import type { BridgeConfig } from '../config';
import { FlagError, helpText, parseArgs } from './flags';
import { runMappingCommand } from './mapping';
import { installSignalHandlers } from './signals';
import { VERSION } from '../version';

const PROGRAM = 'statsd-bridge';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  exit: (code: number) => void;
  /** Read by `mapping explain` without LINE arguments; process.stdin when absent. */
  stdin?: NodeJS.ReadableStream;
}

const processIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  exit: (code) => process.exit(code),
};

export async function main(argv: string[], io: CliIo = processIo): Promise<void> {
  if (argv[0] === 'mapping') {
    // The mapping workbench (explain, test): see src/cli/mapping.ts.
    const code = await runMappingCommand(argv.slice(1), { stdout: io.stdout, stderr: io.stderr, stdin: io.stdin ?? process.stdin });
    return io.exit(code);
  }
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr(`${PROGRAM}: error: ${err.message}\n`);
      return io.exit(1);
    }
    throw err;
  }
  if (parsed.kind === 'help') {
    io.stdout(helpText(PROGRAM));
    return io.exit(0);
  }
  if (parsed.kind === 'version') {
    io.stdout(`${PROGRAM}, version ${VERSION} (node ${process.versions.node})\n`);
    return io.exit(0);
  }
  const config = parsed.config;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });

  if (config.checkConfig) {
    try {
      const compiled = await loadMappingFilesAsync(config.mappingConfig, { logger });
      logger.info('Configuration check successful', { mappings: compiled.mappings.length });
      return io.exit(0);
    } catch (err) {
      logger.error('Configuration check failed', { err });
      io.stderr(`${PROGRAM}: error: ${(err as Error).message}\n`);
      return io.exit(1);
    }
  }

  await runDaemon(config, logger, io);
}

async function runDaemon(config: BridgeConfig, logger: Logger, io: CliIo): Promise<void> {
  logger.info('Starting StatsD -> Prometheus Bridge', { version: VERSION, node: process.versions.node });
  // Resolves with the running bridge, or null when it failed to start.
  let markStarted!: (b: RunningBridge | null) => void;
  const started = new Promise<RunningBridge | null>((resolve) => (markStarted = resolve));
  let shuttingDown = false;
  const shutdown = async (reason: string, exitCode = 0): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('Shutting down', { reason });
    const bridge = await started;
    if (!bridge) return; // the start failed and exits 1
    try {
      await bridge.stop();
    } finally {
      io.exit(exitCode);
    }
  };
  // Installed before anything listens: a signal that arrives while starting (even right after the
  // "Listening" line) must get the same treatment as later, never Node's default (death without
  // removing the unixgram socket file). A shutdown requested meanwhile waits for the start.
  let running: RunningBridge | null = null;
  const removeHandlers = installSignalHandlers({
    logger,
    reload: () => {
      if (running) void running.reload();
      else logger.info('Still starting; the mapping being loaded is the current file');
    },
    shutdown: (reason, exitCode) => void shutdown(reason, exitCode),
  });
  try {
    running = await startBridge({ config, logger, clock: systemClock, version: VERSION, onQuit: () => void shutdown('quit requested over HTTP') });
  } catch (err) {
    markStarted(null);
    removeHandlers();
    logger.error('Failed to start', { err });
    io.stderr(`${PROGRAM}: error: ${(err as Error).message}\n`);
    return io.exit(1);
  }
  markStarted(running);
}
