import { createEmitter, type Emitter } from '../../src/emitter';
import { find, parseLines, type StatsdLine } from './helpers';

function lines(e: Emitter): StatsdLine[] {
  return parseLines(e.mockLines());
}

/** Lets promise side chains settle. */
const tick = () => new Promise((r) => setImmediate(r));

/** A stream decorated the way anything-llm's LLMPerformanceMonitor.measureStream does it. */
function measuredStream(chunks: string[], opts: { failAt?: number; failWith?: Error } = {}) {
  async function* gen() {
    for (let i = 0; i < chunks.length; i++) {
      if (opts.failAt === i) throw opts.failWith ?? new Error('stream broke');
      yield { delta: chunks[i] };
    }
  }
  const stream = gen() as AsyncGenerator<{ delta: string }> & {
    metrics: Record<string, number>;
    endMeasurement: (usage: Record<string, number>) => Record<string, number>;
  };
  stream.metrics = { prompt_tokens: 0, completion_tokens: 0 };
  stream.endMeasurement = (usage) => {
    stream.metrics = { ...stream.metrics, ...usage };
    return stream.metrics;
  };
  return stream;
}

/** Consumes a stream like anything-llm's handleStream: endMeasurement on completion and in the catch. */
async function handleStream(stream: ReturnType<typeof measuredStream>): Promise<string> {
  let text = '';
  const usage = { prompt_tokens: 9, completion_tokens: 0 };
  try {
    for await (const c of stream) {
      text += c.delta;
      usage.completion_tokens++;
    }
    stream.endMeasurement(usage);
  } catch {
    stream.endMeasurement(usage);
    stream.endMeasurement(usage); // anything-llm can call it twice on the error path
  }
  return text;
}

function makeLLM() {
  class FakeLLM {
    className = 'FakeLLM';
    constructor(public model: string) {}
    streamingEnabled() {
      return 'streamGetChatCompletion' in this;
    }
    async getChatCompletion(messages: Array<{ content: string }>) {
      const text = messages[0]?.content ?? '';
      if (text === 'throw') throw new Error('401 invalid key');
      if (text === 'abort') {
        const e = new Error('Request was aborted.');
        e.name = 'APIUserAbortError';
        throw e;
      }
      if (text === 'null') return null;
      return { textResponse: `echo ${text} from ${this.className}`, metrics: { prompt_tokens: 10, completion_tokens: 3 } };
    }
    async streamGetChatCompletion(messages: Array<{ content: string }>) {
      const text = messages[0]?.content ?? '';
      if (text === 'throw') throw new Error('model not found');
      if (text === 'break') return measuredStream(['a', 'b', 'c'], { failAt: 1 });
      if (text === 'cancel') {
        const e = new Error('aborted');
        e.name = 'AbortError';
        return measuredStream(['a', 'b'], { failAt: 1, failWith: e });
      }
      return measuredStream(['a', 'b', 'c']);
    }
  }
  return FakeLLM;
}

describe('LLM providers', () => {
  let e: Emitter;
  beforeEach(() => {
    e = createEmitter({ mock: true, modelAllowlist: ['gpt-4o', 'llama3:8b'] });
  });
  afterEach(() => e.close());

  it('measures getChatCompletion and counts its tokens, preserving this and the result', async () => {
    const LLM = makeLLM();
    expect(e.instrumentLLM({ FakeLLM: LLM }, { provider: 'openAi' })).toBe(2);
    const llm = new LLM('gpt-4o');
    const out = await llm.getChatCompletion([{ content: 'hi' }]);
    expect(out).toEqual({ textResponse: 'echo hi from FakeLLM', metrics: { prompt_tokens: 10, completion_tokens: 3 } });
    const ls = lines(e);
    expect(find(ls, 'llm.request.duration').map((l) => [l.type, l.tags])).toEqual([
      ['ms', { provider: 'openai', model: 'gpt-4o', operation: 'chat', outcome: 'success' }],
    ]);
    expect(find(ls, 'llm.tokens').map((l) => [l.value, l.tags.kind, l.type])).toEqual([
      [10, 'prompt', 'c'],
      [3, 'completion', 'c'],
    ]);
  });

  it('labels errors, aborts and empty completions, rethrowing the same error', async () => {
    const LLM = makeLLM();
    e.instrumentLLM(LLM, { provider: 'openai' });
    const llm = new LLM('llama3:8b');
    await expect(llm.getChatCompletion([{ content: 'throw' }])).rejects.toThrow('401 invalid key');
    await expect(llm.getChatCompletion([{ content: 'abort' }])).rejects.toMatchObject({ name: 'APIUserAbortError' });
    await expect(llm.getChatCompletion([{ content: 'null' }])).resolves.toBeNull();
    expect(find(lines(e), 'llm.request.duration').map((l) => [l.tags.model, l.tags.outcome])).toEqual([
      ['llama3:8b', 'error'],
      ['llama3:8b', 'aborted'],
      ['llama3:8b', 'error'],
    ]);
    expect(find(lines(e), 'llm.tokens')).toHaveLength(0);
  });

  it('caps models outside the allowlist to other', async () => {
    const LLM = makeLLM();
    e.instrumentLLM(LLM, { provider: 'ollama' });
    await new LLM('some-finetune-v7').getChatCompletion([{ content: 'x' }]);
    expect(find(lines(e), 'llm.request.duration')[0]?.tags.model).toBe('other');
  });

  it('measures a stream until endMeasurement, once, with time to first token and usage', async () => {
    const LLM = makeLLM();
    e.instrumentLLM(LLM, { provider: 'openai' });
    const llm = new LLM('gpt-4o');
    const stream = await llm.streamGetChatCompletion([{ content: 'hi' }]);
    expect(find(lines(e), 'llm.request.duration')).toHaveLength(0); // not finished yet
    expect(await handleStream(stream)).toBe('abc');
    await tick();
    const ls = lines(e);
    expect(find(ls, 'llm.ttft').map((l) => l.tags)).toEqual([{ provider: 'openai', model: 'gpt-4o' }]);
    expect(find(ls, 'llm.request.duration').map((l) => l.tags)).toEqual([
      { provider: 'openai', model: 'gpt-4o', operation: 'stream', outcome: 'success' },
    ]);
    expect(find(ls, 'llm.tokens').map((l) => [l.tags.kind, l.value])).toEqual([
      ['prompt', 9],
      ['completion', 3],
    ]);
  });

  it('labels a broken stream as error and a cancelled one as aborted, emitting once', async () => {
    const LLM = makeLLM();
    e.instrumentLLM(LLM, { provider: 'openai' });
    const llm = new LLM('gpt-4o');
    expect(await handleStream(await llm.streamGetChatCompletion([{ content: 'break' }]))).toBe('a');
    expect(await handleStream(await llm.streamGetChatCompletion([{ content: 'cancel' }]))).toBe('a');
    await expect(llm.streamGetChatCompletion([{ content: 'throw' }])).rejects.toThrow('model not found');
    await tick();
    expect(find(lines(e), 'llm.request.duration').map((l) => l.tags.outcome)).toEqual(['error', 'aborted', 'error']);
  });

  it('finalizes plain async iterables (no endMeasurement) when they end', async () => {
    class Plain {
      model = 'gpt-4o';
      async streamGetChatCompletion() {
        return (async function* () {
          yield 1;
          yield 2;
        })();
      }
    }
    e.instrumentLLM(Plain, { provider: 'xai' });
    const s = await new Plain().streamGetChatCompletion();
    const got: number[] = [];
    for await (const v of s) got.push(v);
    expect(got).toEqual([1, 2]);
    expect(find(lines(e), 'llm.request.duration').map((l) => l.tags)).toEqual([
      { provider: 'xai', model: 'gpt-4o', operation: 'stream', outcome: 'success' },
    ]);
  });

  it('reads the provider label at call time (subclasses) and never double-wraps', async () => {
    const Base = makeLLM();
    class Child extends Base {}
    e.instrumentLLM(Base, { provider: 'genericOpenAi' });
    e.instrumentLLM(Base, { provider: 'genericOpenAi' });
    expect(e.instrumentLLM({ Child }, { provider: 'xai' })).toBe(0); // nothing of its own to wrap
    await new Base('gpt-4o').getChatCompletion([{ content: 'a' }]);
    await new Child('gpt-4o').getChatCompletion([{ content: 'b' }]);
    expect(find(lines(e), 'llm.request.duration').map((l) => l.tags.provider)).toEqual(['genericopenai', 'xai']);
    expect(e.hookStates().llm).toEqual({ loaded: true, targets: 2 });
  });

  it('adds no method (streamingEnabled stays false) and keeps sync methods sync', () => {
    class NoStream {
      model = 'm';
      streamingEnabled() {
        return 'streamGetChatCompletion' in this;
      }
      getChatCompletion() {
        return 'sync result';
      }
    }
    expect(e.instrumentLLM(NoStream, { provider: 'p' })).toBe(1);
    const n = new NoStream();
    expect(n.streamingEnabled()).toBe(false);
    expect(n.getChatCompletion()).toBe('sync result');
    expect(find(lines(e), 'llm.request.duration')).toHaveLength(1);
  });

  it('never lets an instrumentation bug reach the caller', async () => {
    class Weird {
      get model(): string {
        throw new Error('getter bug');
      }
      async getChatCompletion() {
        return { textResponse: 'fine' };
      }
    }
    e.instrumentLLM(Weird, { provider: 'p' });
    await expect(new Weird().getChatCompletion()).resolves.toEqual({ textResponse: 'fine' });
    expect(e.stats().instrumentationErrors).toBe(1);
    expect(find(lines(e), 'emitter.errors', { kind: 'instrumentation' })).toHaveLength(1);
  });
});

describe('embedding engines', () => {
  let e: Emitter;
  class Embedder {
    calls = 0;
    async embedTextInput(text: string | string[]) {
      const r = await this.embedChunks(Array.isArray(text) ? text : [text]);
      return r?.[0] ?? [];
    }
    async embedChunks(chunks: string[]) {
      this.calls++;
      await tick();
      if (chunks.some((c) => c.includes('fail'))) throw new Error('embedder down');
      if (chunks.some((c) => c.includes('empty'))) return [];
      return chunks.map((c) => [c.length]);
    }
  }
  beforeAll(() => {
    e = createEmitter({ mock: true });
    expect(e.instrumentEmbedder({ Embedder }, { provider: 'native' })).toBe(2);
  });
  afterAll(() => e.close());
  beforeEach(() => e.clearMock());

  it('counts only the outer call when embedTextInput calls embedChunks', async () => {
    const em = new Embedder();
    expect(await em.embedTextInput('hello')).toEqual([5]);
    expect(em.calls).toBe(1);
    const ls = lines(e);
    expect(find(ls, 'embedding.request.duration').map((l) => l.tags)).toEqual([
      { provider: 'native', operation: 'embed_text', outcome: 'success' },
    ]);
    expect(find(ls, 'embedding.inputs').map((l) => l.value)).toEqual([1]);
  });

  it('measures embedChunks on its own and concurrent calls on one instance separately', async () => {
    const em = new Embedder();
    await Promise.all([em.embedTextInput('a'), em.embedTextInput('b'), em.embedChunks(['x', 'y', 'z'])]);
    const ls = lines(e);
    expect(find(ls, 'embedding.request.duration').map((l) => l.tags.operation).sort()).toEqual([
      'embed_chunks',
      'embed_text',
      'embed_text',
    ]);
    expect(find(ls, 'embedding.inputs').map((l) => l.value).sort()).toEqual([1, 1, 3]);
  });

  it('labels failures and empty results as errors', async () => {
    const em = new Embedder();
    await expect(em.embedChunks(['fail'])).rejects.toThrow('embedder down');
    expect(await em.embedTextInput('empty')).toEqual([]);
    expect(find(lines(e), 'embedding.request.duration').map((l) => [l.tags.operation, l.tags.outcome])).toEqual([
      ['embed_chunks', 'error'],
      ['embed_text', 'error'],
    ]);
  });
});

describe('vector databases', () => {
  let e: Emitter;
  beforeEach(() => {
    e = createEmitter({ mock: true });
  });
  afterEach(() => e.close());

  /** Fresh classes per test: a target belongs to the first emitter that wrapped it. */
  function makeChroma() {
    class VectorDatabase {
      async performSimilaritySearch(_q: unknown): Promise<unknown> {
        throw new Error('Must be implemented by provider');
      }
    }
    class Chroma extends VectorDatabase {
      override async performSimilaritySearch({ input }: { input: string }) {
        if (input === 'throw') throw new Error('connection refused');
        if (input === 'empty') return { contextTexts: [], sources: [], message: 'Invalid query - no documents found for workspace!' };
        return { contextTexts: ['t'], sources: [{}], message: false };
      }
      async addDocumentToNamespace(_ns: string, doc: { pageContent?: string }) {
        return doc.pageContent ? { vectorized: true, error: null } : { vectorized: false, error: 'no content' };
      }
    }
    class ChromaCloud extends Chroma {
      override async performSimilaritySearch(q: { input: string }) {
        return super.performSimilaritySearch(q); // nested: counted once
      }
    }
    return { Chroma, ChromaCloud };
  }

  it('measures search and add with outcomes from the return contract', async () => {
    const { Chroma } = makeChroma();
    expect(e.instrumentVectorDb({ Chroma }, { vectorDb: 'chroma' })).toBe(2);
    const db = new Chroma();
    await db.performSimilaritySearch({ input: 'q' });
    await db.performSimilaritySearch({ input: 'empty' });
    await expect(db.performSimilaritySearch({ input: 'throw' })).rejects.toThrow('connection refused');
    await db.addDocumentToNamespace('ns', { pageContent: 'x' });
    await db.addDocumentToNamespace('ns', {});
    expect(find(lines(e), 'vector.operation.duration').map((l) => [l.tags.vector_db, l.tags.operation, l.tags.outcome])).toEqual([
      ['chroma', 'similarity_search', 'success'],
      ['chroma', 'similarity_search', 'error'],
      ['chroma', 'similarity_search', 'error'],
      ['chroma', 'add_document', 'success'],
      ['chroma', 'add_document', 'error'],
    ]);
  });

  it('labels a subclass by its own module and counts super calls once', async () => {
    const { Chroma, ChromaCloud } = makeChroma();
    e.instrumentVectorDb({ Chroma }, { vectorDb: 'chroma' });
    expect(e.instrumentVectorDb({ ChromaCloud }, { vectorDb: 'chromacloud' })).toBe(1);
    await new ChromaCloud().performSimilaritySearch({ input: 'q' });
    await new ChromaCloud().addDocumentToNamespace('ns', { pageContent: 'x' });
    expect(find(lines(e), 'vector.operation.duration').map((l) => [l.tags.vector_db, l.tags.operation])).toEqual([
      ['chromacloud', 'similarity_search'],
      ['chromacloud', 'add_document'],
    ]);
  });

  it('supports the pre-2026 plain-object providers', async () => {
    const LanceDb = {
      name: 'LanceDb',
      performSimilaritySearch: async function () {
        return { contextTexts: [], sources: [], message: false };
      },
      addDocumentToNamespace: async function (_ns: string, doc: { pageContent?: string }) {
        return !!doc.pageContent;
      },
    };
    expect(e.instrumentVectorDb({ LanceDb }, { vectorDb: 'lance' })).toBe(2);
    await LanceDb.performSimilaritySearch();
    await LanceDb.addDocumentToNamespace('ns', { pageContent: 'x' });
    await LanceDb.addDocumentToNamespace('ns', {});
    expect(find(lines(e), 'vector.operation.duration').map((l) => [l.tags.vector_db, l.tags.outcome])).toEqual([
      ['lance', 'success'],
      ['lance', 'success'],
      ['lance', 'error'],
    ]);
  });
});

describe('document processing (CollectorApi)', () => {
  let e: Emitter;
  class CollectorApi {
    constructor(private readonly up = true) {}
    async online() {
      return this.up;
    }
    async processDocument(filename = '') {
      if (!filename) return false;
      if (filename === 'crash') throw new Error('boom');
      if (filename.endsWith('.xyz')) return { success: false, reason: 'File extension .xyz not supported for parsing and cannot be assumed as text file type.' };
      if (filename === 'net') return { success: false, reason: 'fetch failed', documents: [] };
      return { success: true, reason: null, documents: [{}] };
    }
    async processLink(link = '') {
      return link ? { success: false, reason: 'HTTP 404: Not Found' } : false;
    }
    async processRawText(text = '') {
      return text ? { success: true, reason: null } : { success: false, reason: 'textContent was empty - nothing to process.' };
    }
    async parseDocument() {
      return { success: false, reason: 'No text content found in x.pdf.' };
    }
  }
  beforeAll(() => {
    e = createEmitter({ mock: true });
    expect(e.instrumentCollectorApi({ CollectorApi })).toBe(5);
  });
  afterAll(() => e.close());
  beforeEach(() => e.clearMock());

  it('counts results with a bounded reason and times them', async () => {
    const c = new CollectorApi();
    await c.processDocument('a.pdf');
    await c.processDocument('b.xyz');
    await c.processDocument('net');
    await c.processDocument('');
    await expect(c.processDocument('crash')).rejects.toThrow('boom');
    await c.processLink('https://example.com/private/path');
    await c.processRawText('');
    await c.processRawText('text');
    await c.parseDocument();
    const ls = lines(e);
    expect(find(ls, 'document.processing').map((l) => [l.tags.kind, l.tags.outcome, l.tags.reason])).toEqual([
      ['file', 'success', 'none'],
      ['file', 'failure', 'unsupported_type'],
      ['file', 'failure', 'collector_unreachable'],
      ['file', 'failure', 'invalid_input'],
      ['file', 'failure', 'exception'],
      ['link', 'failure', 'http_error'],
      ['raw_text', 'failure', 'no_content'],
      ['raw_text', 'success', 'none'],
      ['parse', 'failure', 'no_content'],
    ]);
    expect(find(ls, 'document.processing.duration')).toHaveLength(9);
    expect(e.mockLines().join('\n')).not.toContain('example.com');
  });

  it('reports collector liveness as a gauge', async () => {
    await new CollectorApi(true).online();
    await new CollectorApi(false).online();
    expect(find(lines(e), 'collector.online').map((l) => [l.type, l.value])).toEqual([
      ['g', 1],
      ['g', 0],
    ]);
  });
});

describe('instrumentModule (what the preload calls)', () => {
  it('routes anything-llm module paths to their hook and reports hook state', () => {
    const e = createEmitter({ mock: true });
    class OpenAiLLM {
      async getChatCompletion() {
        return null;
      }
    }
    expect(e.instrumentModule('/app/server/utils/AiProviders/openAi/index.js', { OpenAiLLM })).toEqual({
      hook: 'llm',
      label: 'openai',
      wrapped: 1,
    });
    expect(e.instrumentModule('/app/server/utils/AiProviders/modelMap/index.js', { MODEL_MAP: {} })).toBeNull();
    expect(e.instrumentModule('/app/server/utils/helpers/index.js', {})).toBeNull();
    // a matched module with nothing to wrap: loaded but not active
    expect(e.instrumentModule('/app/server/utils/EmbeddingEngines/renamed/index.js', { X: class {} })).toMatchObject({ wrapped: 0 });
    expect(e.hookStates()).toMatchObject({
      llm: { loaded: true, targets: 1 },
      embedding: { loaded: true, targets: 0 },
      vector_db: { loaded: false, targets: 0 },
    });
    const ls = parseLines(e.mockLines());
    expect(find(ls, 'instrumentation.hook.active', { hook: 'llm' }).map((l) => l.value)).toEqual([1]);
    expect(find(ls, 'instrumentation.hook.loaded', { hook: 'embedding' }).map((l) => l.value)).toEqual([1]);
    expect(find(ls, 'instrumentation.hook.active', { hook: 'embedding' }).map((l) => l.value)).toEqual([0]);
    void e.close();
  });
});
