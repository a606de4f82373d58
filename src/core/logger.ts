// A small structured logger (logfmt or json), passed in everywhere: no global logger.
// The level is decided once at construction; disabled levels are no-op functions so a
// call site on the hot path costs a function call and nothing else.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when debug lines are written; lets callers skip building expensive fields. */
  readonly debugEnabled: boolean;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
export const LOG_LEVELS = Object.keys(LEVEL_ORDER) as LogLevel[];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

function logfmtValue(v: unknown): string {
  const s = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '""';
  return /^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s);
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  const min = LEVEL_ORDER[opts.level];
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    const time = now().toISOString();
    if (opts.format === 'json') {
      const rec: LogFields = { time, level, msg };
      if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = v instanceof Error ? v.message : v;
      write(JSON.stringify(rec));
      return;
    }
    let line = `time=${time} level=${level} msg=${logfmtValue(msg)}`;
    if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${logfmtValue(v)}`;
    write(line);
  };
  const noop = (): void => {};
  const at = (level: LogLevel) => (LEVEL_ORDER[level] >= min ? (m: string, f?: LogFields) => emit(level, m, f) : noop);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), debugEnabled: min === 0 };
}

/** A logger that drops everything; for tests and library use. */
export const silentLogger: Logger = Object.freeze({
  debug() {}, info() {}, warn() {}, error() {}, debugEnabled: false,
});

/**
 * Lets at most `perInterval` messages through per interval for one key, then counts the
 * rest and reports how many were suppressed with the next message that passes.
 */
export function rateLimited(
  log: (msg: string, fields?: LogFields) => void,
  opts: { perInterval: number; intervalMs: number; nowMs: () => number },
): (msg: string, fields?: LogFields) => void {
  let windowStart = -Infinity;
  let sent = 0;
  let suppressed = 0;
  return (msg, fields) => {
    const t = opts.nowMs();
    if (t - windowStart >= opts.intervalMs) {
      windowStart = t;
      sent = 0;
    }
    if (sent >= opts.perInterval) {
      suppressed++;
      return;
    }
    sent++;
    if (suppressed > 0) {
      log(msg, { ...fields, suppressed_since_last: suppressed });
      suppressed = 0;
    } else log(msg, fields);
  };
}
