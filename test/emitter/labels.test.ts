import { decideActivation, matchModule } from '../../src/emitter/hooks';
import { classifyDocumentReason, isAbortError, methodLabel, slug, statusClass, tagValue, ValueCap } from '../../src/emitter/labels';
import { resolveOptions } from '../../src/emitter/core';
import { optionsFromEnv } from '../../src/emitter';

describe('label helpers', () => {
  it('tagValue keeps colons and slashes, strips protocol characters, never returns empty', () => {
    expect(tagValue('/api/workspace/:slug')).toBe('/api/workspace/:slug');
    expect(tagValue('llama3:8b-instruct/q4')).toBe('llama3:8b-instruct/q4');
    expect(tagValue('a|b,c#d@e\nf')).toBe('a_b_c_d_e_f');
    expect(tagValue('')).toBe('unknown');
    expect(tagValue('   ')).toBe('unknown');
    expect(tagValue(undefined, 'none')).toBe('none');
    expect(tagValue('x'.repeat(500))).toHaveLength(120);
  });

  it('slug lower-cases provider directories', () => {
    expect(slug('genericOpenAi')).toBe('genericopenai');
    expect(slug('lmStudio')).toBe('lmstudio');
    expect(slug('weird name!')).toBe('weird_name');
    expect(slug('')).toBe('unknown');
  });

  it('methods and status classes are closed sets', () => {
    expect(methodLabel('post')).toBe('POST');
    expect(methodLabel('PROPFIND')).toBe('other');
    expect(methodLabel('other')).toBe('other');
    expect(statusClass(204)).toBe('2xx');
    expect(statusClass(404)).toBe('4xx');
    expect(statusClass(599)).toBe('5xx');
    expect(statusClass(700)).toBe('unknown');
    expect(statusClass(undefined)).toBe('unknown');
  });

  it('ValueCap: allowlist wins, else first N', () => {
    const allow = new ValueCap(['gpt-4o', 'llama3:8b'], 1);
    expect(allow.get('gpt-4o')).toBe('gpt-4o');
    expect(allow.get('llama3:8b')).toBe('llama3:8b');
    expect(allow.get('claude')).toBe('other');
    const firstN = new ValueCap(null, 2);
    expect(['a', 'b', 'c', 'a', 'b'].map((v) => firstN.get(v))).toEqual(['a', 'b', 'other', 'a', 'b']);
  });

  it.each([
    ['File extension .xyz not supported for parsing and cannot be assumed as text file type.', 'unsupported_type'],
    ['File does not exist in upload directory.', 'file_not_found'],
    ['No text content found in a.pdf.', 'no_content'],
    ['No valid sheets found in book.xlsx.', 'no_content'],
    ['textContent was empty - nothing to process.', 'no_content'],
    ['Filename is a not a valid path to process.', 'invalid_input'],
    ['Not a valid URL.', 'invalid_input'],
    ['No file extension found. This file cannot be processed.', 'invalid_input'],
    ['fetch failed', 'collector_unreachable'],
    ['connect ECONNREFUSED 0.0.0.0:8888', 'collector_unreachable'],
    ['Response could not be completed', 'collector_error'],
    ['Headers Timeout Error UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['HTTP 403: Forbidden', 'http_error'],
    ['A processing error occurred.', 'processing_error'],
    ['something else entirely', 'other'],
    ['', 'other'],
  ])('classifies %j as %s', (reason, expected) => {
    expect(classifyDocumentReason(reason)).toBe(expected);
  });

  it('recognises abort errors', () => {
    const a = new Error('x');
    a.name = 'AbortError';
    expect(isAbortError(a)).toBe(true);
    expect(isAbortError({ name: 'APIUserAbortError' })).toBe(true);
    expect(isAbortError(new Error('timeout'))).toBe(false);
    expect(isAbortError(null)).toBe(false);
  });
});

describe('options', () => {
  it('defaults host/port from STATSD_HOST/STATSD_PORT, else 127.0.0.1:9125', () => {
    expect(resolveOptions({ env: {} })).toMatchObject({ host: '127.0.0.1', port: 9125, prefix: 'anythingllm.', sampleRate: 1 });
    expect(resolveOptions({ env: { STATSD_HOST: 'bridge', STATSD_PORT: '9999' } })).toMatchObject({ host: 'bridge', port: 9999 });
    expect(resolveOptions({ env: { STATSD_PORT: 'nope' } }).port).toBe(9125);
    expect(resolveOptions({ env: {}, sampleRate: 3 }).sampleRate).toBe(1);
    expect(Object.isFrozen(resolveOptions({}))).toBe(true);
  });

  it('reads the preload environment', () => {
    const o = optionsFromEnv({
      STATSD_BRIDGE_TAGS: 'env:prod, region:eu-1,broken',
      STATSD_BRIDGE_MODELS: 'gpt-4o, llama3:8b',
      STATSD_BRIDGE_SAMPLE_RATE: '0.5',
      STATSD_BRIDGE_IGNORE_ROUTES: '/api/ping',
      STATSD_BRIDGE_HEARTBEAT_MS: '0',
    });
    expect(o.globalTags).toEqual({ env: 'prod', region: 'eu-1' });
    expect(o.modelAllowlist).toEqual(['gpt-4o', 'llama3:8b']);
    expect(o.sampleRate).toBe(0.5);
    expect(o.ignoreRoutes).toEqual(['/api/ping']);
    expect(o.heartbeatMs).toBe(0);
    expect(o.log).toBeUndefined();
    expect(optionsFromEnv({}).heartbeatMs).toBe(30000);
  });
});

describe('module matching', () => {
  it.each([
    ['/app/server/node_modules/express/index.js', 'http', ''],
    ['/app/server/utils/AiProviders/openAi/index.js', 'llm', 'openai'],
    ['/app/server/utils/AiProviders/genericOpenAi/index.js', 'llm', 'genericopenai'],
    ['C:\\anything\\server\\utils\\EmbeddingEngines\\native\\index.js', 'embedding', 'native'],
    ['/app/server/utils/vectorDbProviders/lance/index.js', 'vector_db', 'lance'],
    ['/app/server/utils/collectorApi/index.js', 'document', ''],
  ])('%s -> %s', (file, hook, label) => {
    expect(matchModule(file)).toEqual({ hook, label });
  });

  it.each([
    '/app/server/utils/AiProviders/modelMap/index.js',
    '/app/server/utils/AiProviders/modelRouter/index.js',
    '/app/server/utils/vectorDbProviders/base.js',
    '/app/server/utils/AiProviders/openAi/helpers.js',
    '/app/server/node_modules/express/lib/express.js',
    '/app/server/node_modules/@mcp/node_modules/express-foo/index.js',
  ])('ignores %s', (file) => {
    expect(matchModule(file)).toBeNull();
  });
});

describe('activation', () => {
  const files: Record<string, string | null> = {
    '/app/server/index.js': null,
    '/app/server/package.json': 'anything-llm-server',
    '/app/collector/index.js': null,
    '/app/collector/package.json': 'anything-llm-document-collector',
    '/app/server/jobs/embedding-worker.js': null,
    '/usr/lib/node_modules/npm/bin/npx-cli.js': null,
    '/dev/server/index.js': null,
  };
  const decide = (entry: string | undefined, env: NodeJS.ProcessEnv = {}, isMainThread = true) =>
    decideActivation({
      env,
      entry,
      isMainThread,
      fileExists: (p) => p in files,
      readPackageName: (p) => files[p] ?? null,
    });

  it('is active for the server entry only', () => {
    expect(decide('/app/server/index.js').active).toBe(true);
    expect(decide('/app/server').active).toBe(true);
    expect(decide('/app/collector/index.js')).toMatchObject({ active: false });
    expect(decide('/app/server/jobs/embedding-worker.js').active).toBe(false);
    expect(decide('/usr/lib/node_modules/npm/bin/npx-cli.js').active).toBe(false);
    expect(decide(undefined).active).toBe(false);
    expect(decide('/nowhere/index.js').active).toBe(false);
    // no package.json next to it: fall back on the path
    expect(decide('/dev/server/index.js').active).toBe(true);
  });

  it('honours STATSD_BRIDGE_EMITTER and stays off in worker threads', () => {
    expect(decide('/app/collector/index.js', { STATSD_BRIDGE_EMITTER: 'on' }).active).toBe(true);
    expect(decide('/app/server/index.js', { STATSD_BRIDGE_EMITTER: 'off' }).active).toBe(false);
    expect(decide('/app/server/index.js', {}, false).active).toBe(false);
    expect(decide('/app/server/index.js', { STATSD_BRIDGE_EMITTER: 'on' }, false).active).toBe(false);
  });
});
