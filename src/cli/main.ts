// Entry point of the `statsd-bridge` command: parse flags, then check the config, run a
// workbench command, or run the daemon until SIGTERM/SIGINT (exit 0) or a fatal error (exit 1).
import { systemClock } from '../core/clock';
import { createLogger, type Logger } from '../core/logger';
import { startBridge } from '../bridge';
import { loadMappingFilesAsync } from '../mapper/load';
import type { BridgeConfig } from '../config';
import { FlagError, helpText, parseArgs } from './flags';
import { runMappingCommand } from './mapping';
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
  let shuttingDown = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('Shutting down', { reason });
    try {
      await bridge.stop();
    } finally {
      io.exit(0);
    }
  };
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge({ config, logger, clock: systemClock, version: VERSION, onQuit: () => void shutdown('quit requested over HTTP') });
  } catch (err) {
    logger.error('Failed to start', { err });
    io.stderr(`${PROGRAM}: error: ${(err as Error).message}\n`);
    return io.exit(1);
  }
  process.on('SIGHUP', () => {
    logger.info('Received SIGHUP, reloading mapping config');
    void bridge.reload();
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
