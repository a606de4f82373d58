// Reading mapping files from disk: the loader behind the daemon (start and reload),
// --check-config and the mapping workbench (explain, test), so they all read files alike.
//
// `$0` in a glob template is the whole metric name here, as in statsd_exporter 0.31 (#735);
// statsd_exporter 0.30 rendered it as "", which no working config relies on. Pass
// `globDollarZero: 'empty'` for the 0.30 behaviour.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger';
import {
  MappingConfigError,
  buildMappingConfig,
  compileMappingConfigs,
  decodeMappingFiles,
  type CompileOptions,
  type DecodedFile,
} from './config';
import type { DecodeMessage, DecodeRequest } from './decode-worker';
import type { CompiledMappingConfig } from './types';

export interface LoadOptions extends Omit<CompileOptions, 'source' | 'logger'> {
  logger: Logger;
}

/** Reads and compiles one mapping file. Throws MappingConfigError, or the fs error. */
export function loadMappingFile(path: string, opts: LoadOptions): CompiledMappingConfig {
  return loadMappingFiles([path], opts);
}

/**
 * Reads and compiles mapping files as one config (see compileMappingConfigs: rules in file
 * order, at most one `defaults` block). Throws MappingConfigError, or the fs error.
 */
export function loadMappingFiles(paths: readonly string[], opts: LoadOptions): CompiledMappingConfig {
  const files = paths.map((p) => ({ source: p, text: fs.readFileSync(p, 'utf8') }));
  return compileMappingConfigs(files, {
    ...opts,
    globDollarZero: opts.globDollarZero ?? 'metric',
    source: paths.length === 1 ? paths[0] : undefined,
  });
}

/** Waits for the event loop to run pending I/O callbacks (datagrams, scrapes). */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The longest the event loop is kept by one slice of a sliced compile. */
export const COMPILE_SLICE_MS = 5;

/**
 * Validates and compiles decoded files in time slices (buildMappingConfig yields after each
 * rule), giving the event loop a turn every COMPILE_SLICE_MS. At 2,000 datagrams/s, the
 * kernel's default UDP receive buffer holds about a tenth of a second of them.
 */
export async function compileInSlices(
  decoded: readonly DecodedFile[],
  opts: Omit<CompileOptions, 'source'> & { source?: string },
): Promise<CompiledMappingConfig> {
  const steps = buildMappingConfig(decoded, opts);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= COMPILE_SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}

/** The compiled worker next to this file; absent when running from TypeScript sources (ts-jest). */
const WORKER_FILE = path.join(__dirname, 'decode-worker.js');

function decodeInWorker(paths: readonly string[], strict: boolean, logger: Logger): Promise<DecodedFile[]> {
  return new Promise((resolve, reject) => {
    const request: DecodeRequest = { paths: [...paths], strict };
    const worker = new Worker(WORKER_FILE, { workerData: request });
    const files: DecodedFile[] = [];
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: DecodeMessage) => {
      switch (m.kind) {
        case 'file':
          files.push({ source: m.source, defaults: m.defaults as DecodedFile['defaults'], mappings: [] });
          setImmediate(() => worker.postMessage('next'));
          break;
        case 'mappings': {
          const into = files[files.length - 1].mappings;
          for (const item of m.items) into.push(item as DecodedFile['mappings'][number]);
          // The next chunk after the event loop has had a turn.
          setImmediate(() => worker.postMessage('next'));
          break;
        }
        case 'warn':
          logger.warn(m.msg, m.fields);
          break;
        case 'done':
          settle(() => resolve(files));
          break;
        case 'error':
          settle(() => {
            if (m.config) {
              const [, ...more] = m.config.errors;
              reject(new MappingConfigError(m.config.source, m.config.path, m.config.detail, more));
            } else reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
          });
          break;
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`mapping decoder worker exited with code ${code}`))));
  });
}

/**
 * loadMappingFiles without blocking the event loop, for reloads and --check-config: files are
 * read and decoded in a worker thread, then validated and compiled here in slices. The
 * result is the same config loadMappingFiles gives (same errors too), ready for an atomic
 * swap. Without the compiled worker (TypeScript sources), decoding runs on this thread.
 */
export async function loadMappingFilesAsync(paths: readonly string[], opts: LoadOptions): Promise<CompiledMappingConfig> {
  const strict = opts.strict ?? false;
  let decoded: DecodedFile[];
  if (fs.existsSync(WORKER_FILE)) decoded = await decodeInWorker(paths, strict, opts.logger);
  else {
    const files = await Promise.all(paths.map(async (p) => ({ source: p, text: await fs.promises.readFile(p, 'utf8') })));
    decoded = decodeMappingFiles(files, { strict, logger: opts.logger });
  }
  return compileInSlices(decoded, {
    ...opts,
    globDollarZero: opts.globDollarZero ?? 'metric',
    source: paths.length === 1 ? paths[0] : undefined,
  });
}
