// Shared helpers for the mapper tests.
import type { LogFields, Logger } from '../../src/core/logger';
import { compileMappingConfig, type CompileOptions } from '../../src/mapper/config';
import type { CompiledMappingConfig } from '../../src/mapper/types';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: LogFields;
}

/** A logger that records what it is given. */
export function recordingLogger(): Logger & { entries: LogEntry[]; warnings(): string[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (msg: string, fields?: LogFields) => void entries.push({ level, msg, fields });
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debugEnabled: true,
    warnings: () => entries.filter((e) => e.level === 'warn').map((e) => e.msg),
  };
}

export function compile(yaml: string, opts: Partial<CompileOptions> = {}): CompiledMappingConfig {
  return compileMappingConfig(yaml, { source: 'test.yml', logger: recordingLogger(), ...opts });
}

/** The error message compileMappingConfig throws for this YAML (fails the test if none). */
export function compileError(yaml: string, opts: Partial<CompileOptions> = {}): string {
  try {
    compile(yaml, opts);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the config to be rejected');
}
