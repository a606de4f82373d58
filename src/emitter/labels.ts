// Label helpers: everything that turns application data into a bounded, wire-safe tag value.
import {
  HTTP_METHODS,
  type DocumentReason,
  type HttpMethod,
  type StatusClass,
} from './names';

const MAX_VALUE_LENGTH = 120;

/**
 * A tag value that survives the DogStatsD line format and statsd_exporter's tag parser:
 * no `|`, `,`, `#`, `@` (hot-shots would replace them anyway), no control characters, never
 * empty (an empty value is a tag error on the bridge and the tag is dropped), bounded length.
 * `:` is kept: the bridge splits a tag on its first `:` only (route templates and model ids use it).
 */
export function tagValue(v: unknown, fallback = 'unknown'): string {
  if (v === null || v === undefined) return fallback;
  let s = typeof v === 'string' ? v : String(v);
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[|,#@\u0000-\u001f\u007f]/g, '_').trim();
  if (s.length > MAX_VALUE_LENGTH) s = s.slice(0, MAX_VALUE_LENGTH);
  return s.length === 0 ? fallback : s;
}

/** A provider / vector-db slug: lower-case `[a-z0-9_-]`, e.g. directory `genericOpenAi` -> `genericopenai`. */
export function slug(v: unknown, fallback = 'unknown'): string {
  if (typeof v !== 'string') return fallback;
  const s = v
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return s.length === 0 ? fallback : s;
}

const METHOD_SET: ReadonlySet<string> = new Set(HTTP_METHODS);

export function methodLabel(method: unknown): HttpMethod {
  const m = typeof method === 'string' ? method.toUpperCase() : '';
  return (METHOD_SET.has(m) && m !== 'other' ? m : 'other') as HttpMethod;
}

export function statusClass(code: unknown): StatusClass {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599) return 'unknown';
  return `${Math.floor(code / 100)}xx` as StatusClass;
}

/**
 * Caps a label's distinct values: an explicit allowlist wins (anything else -> `other`);
 * without one, the first `max` distinct values are kept and later ones become `other`.
 */
export class ValueCap {
  private readonly allow: ReadonlySet<string> | null;
  private readonly seen = new Set<string>();

  constructor(
    allowlist: readonly string[] | null,
    private readonly max: number,
  ) {
    this.allow = allowlist && allowlist.length > 0 ? new Set(allowlist.map((v) => tagValue(v))) : null;
  }

  get(value: string): string {
    if (this.allow) return this.allow.has(value) ? value : 'other';
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(value);
    return value;
  }
}

/**
 * Classifies the collector's free-text failure `reason` (or a thrown error's message) into a
 * bounded enum. Messages follow anything-llm's collector (`collector/processSingleFile`,
 * `processLink`, `processRawText`) and the server's `CollectorApi` fetch error paths.
 */
export function classifyDocumentReason(reason: unknown): DocumentReason {
  const text =
    typeof reason === 'string'
      ? reason
      : reason instanceof Error
        ? `${reason.name} ${reason.message} ${(reason as { code?: unknown }).code ?? ''}`
        : '';
  if (!text) return 'other';
  const r = text.toLowerCase();
  if (/timeout|timed out|etimedout|und_err_(headers|body)_timeout/.test(r)) return 'timeout';
  if (/fetch failed|econnrefused|econnreset|enotfound|eai_again|socket hang up|not online|network/.test(r))
    return 'collector_unreachable';
  if (/response could not be completed/.test(r)) return 'collector_error';
  if (/does not exist|no such file|enoent/.test(r)) return 'file_not_found';
  if (/not supported|unsupported|cannot be assumed/.test(r)) return 'unsupported_type';
  if (/not a valid|reserved filename|no file extension|no filename|invalid/.test(r)) return 'invalid_input';
  if (/no text content|no .*content found|no valid sheets|no mail items|was empty|nothing to process|empty/.test(r))
    return 'no_content';
  if (/http \d{3}/.test(r)) return 'http_error';
  if (/processing error|conversion error|error processing|failed to|could not/.test(r)) return 'processing_error';
  return 'other';
}

/** True for the errors the SDKs and Node raise when a request was cancelled by an AbortSignal. */
export function isAbortError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { name?: unknown; code?: unknown };
  return (
    err.name === 'AbortError' ||
    err.name === 'APIUserAbortError' ||
    err.code === 'ABORT_ERR' ||
    err.code === 'ERR_CANCELED'
  );
}
