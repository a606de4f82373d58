// The worker thread behind loadMappingFilesAsync: reads and decodes mapping files (YAML
// parsing and yaml.v2-style decoding, the costly part of a load) off the main thread, so
// ingestion goes on during a reload. It posts plain data back in chunks, one chunk per 'next'
// from the main thread (a port delivers all pending messages in one go, so unpaced chunks
// would be deserialised in one long turn of the main thread's event loop).
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { LogFields } from '../core/logger';
import { MappingConfigError, decodeMappingFiles } from './config';

/** Rules per message. */
export const DECODE_CHUNK_RULES = 500;

export interface DecodeRequest {
  paths: string[];
  strict: boolean;
}

export type DecodeMessage =
  | { kind: 'file'; source: string; defaults: unknown }
  | { kind: 'mappings'; items: unknown[] }
  | { kind: 'warn'; msg: string; fields?: LogFields }
  | { kind: 'done' }
  | { kind: 'error'; config?: { source: string; path: string; detail: string; errors: readonly { path: string; detail: string }[] }; message: string; code?: string };

function run(port: NonNullable<typeof parentPort>, req: DecodeRequest): void {
  const post = (m: DecodeMessage) => port.postMessage(m);
  try {
    const files = req.paths.map((p) => ({ source: p, text: fs.readFileSync(p, 'utf8') }));
    const ignore = () => undefined;
    const logger = { debug: ignore, info: ignore, error: ignore, debugEnabled: false, warn: (msg: string, fields?: LogFields) => post({ kind: 'warn', msg, fields }) };
    const decoded = decodeMappingFiles(files, { strict: req.strict, logger });
    const out: DecodeMessage[] = [];
    for (const f of decoded) {
      out.push({ kind: 'file', source: f.source, defaults: f.defaults });
      for (let i = 0; i < f.mappings.length; i += DECODE_CHUNK_RULES) out.push({ kind: 'mappings', items: f.mappings.slice(i, i + DECODE_CHUNK_RULES) });
    }
    out.push({ kind: 'done' });
    let next = 0;
    const sendNext = () => {
      if (next < out.length) post(out[next++]);
      if (next >= out.length) port.off('message', sendNext);
    };
    port.on('message', sendNext);
    sendNext();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof MappingConfigError) {
      post({ kind: 'error', message: e.message, config: { source: e.source, path: e.path, detail: e.detail, errors: e.errors } });
    } else post({ kind: 'error', message: err.message ?? String(e), code: err.code });
  }
}

if (parentPort !== null) run(parentPort, workerData as DecodeRequest);
