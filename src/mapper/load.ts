// Reading mapping files from disk: the loader behind the daemon (start and reload),
// --check-config and the mapping workbench (explain, test), so they all read files alike.
//
// `$0` in a glob template is the whole metric name here, as in statsd_exporter 0.31 (#735);
// statsd_exporter 0.30 rendered it as "", which no working config relies on. Pass
// `globDollarZero: 'empty'` for the 0.30 behaviour.
import fs from 'node:fs';
import type { Logger } from '../core/logger';
import { compileMappingConfigs, type CompileOptions } from './config';
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
