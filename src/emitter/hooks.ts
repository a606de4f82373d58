// Which loaded module belongs to which hook, and whether this process should be instrumented.
// Pure functions: the preload (register.ts) and the tests share them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HookName } from './names';

export interface ModuleMatch {
  hook: HookName;
  /** The provider directory, lower-cased (`openAi` -> `openai`); '' for express / collectorApi. */
  label: string;
}

interface Rule {
  hook: HookName;
  re: RegExp;
  /** Provider directories that are not providers (or only delegate to one). */
  skip?: ReadonlySet<string>;
}

// Matched on the module's resolved filename with `/` separators, by suffix, so the install
// location (/app/server, a dev checkout, a test fixture) does not matter.
const RULES: readonly Rule[] = [
  { hook: 'http', re: /\/node_modules\/express\/index\.js$/ },
  {
    hook: 'llm',
    re: /\/utils\/AiProviders\/([^/]+)\/index\.js$/,
    // modelMap holds no provider; modelRouter delegates every call to a real provider,
    // which is measured itself.
    skip: new Set(['modelMap', 'modelRouter']),
  },
  {
    hook: 'agent',
    // aibitat's agent providers: one class per file; ai-provider.js is their base class and
    // index.js only re-exports (helpers/ holds mixins, not providers).
    re: /\/utils\/agents\/aibitat\/providers\/([^/]+)\.js$/,
    skip: new Set(['ai-provider', 'index']),
  },
  { hook: 'embedding', re: /\/utils\/EmbeddingEngines\/([^/]+)\/index\.js$/ },
  { hook: 'vector_db', re: /\/utils\/vectorDbProviders\/([^/]+)\/index\.js$/ },
  { hook: 'document', re: /\/utils\/collectorApi\/index\.js$/ },
];

export function matchModule(filename: string): ModuleMatch | null {
  if (typeof filename !== 'string' || !filename.endsWith('.js')) return null;
  const f = filename.replace(/\\/g, '/');
  for (const r of RULES) {
    const m = r.re.exec(f);
    if (!m) continue;
    const dir = m[1] ?? '';
    if (r.skip?.has(dir)) return null;
    return { hook: r.hook, label: dir.toLowerCase() };
  }
  return null;
}

// ---- activation -------------------------------------------------------------------------

export interface ActivationInput {
  env: NodeJS.ProcessEnv;
  /** process.argv[1]: the entry script. */
  entry: string | undefined;
  isMainThread: boolean;
  /** Reads `name` from a package.json; injectable for tests. */
  readPackageName?: (packageJsonPath: string) => string | null;
  fileExists?: (p: string) => boolean;
}

export interface Activation {
  active: boolean;
  reason: string;
}

/** The `name` in anything-llm's server/package.json. */
export const SERVER_PACKAGE_NAME = 'anything-llm-server';

function defaultReadPackageName(p: string): string | null {
  try {
    const j = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: unknown };
    return typeof j.name === 'string' ? j.name : null;
  } catch {
    return null;
  }
}

function defaultFileExists(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Instrument only anything-llm's server process. NODE_OPTIONS reaches every node process in
 * the container (npx, prisma, the collector, forked jobs, worker threads), so the decision is
 * made from the entry script: `<dir>/index.js` whose `<dir>/package.json` is named
 * `anything-llm-server` (or, when that package.json is missing, a path ending in
 * `/server/index.js`). `STATSD_BRIDGE_EMITTER=on|off` overrides the decision.
 */
export function decideActivation(input: ActivationInput): Activation {
  const flag = (input.env.STATSD_BRIDGE_EMITTER ?? '').trim().toLowerCase();
  if (['off', '0', 'false', 'no', 'disabled'].includes(flag)) return { active: false, reason: 'STATSD_BRIDGE_EMITTER=off' };
  if (!input.isMainThread) return { active: false, reason: 'worker thread' };
  if (['on', '1', 'true', 'yes', 'enabled'].includes(flag)) return { active: true, reason: 'STATSD_BRIDGE_EMITTER=on' };
  if (!input.entry) return { active: false, reason: 'no entry script' };
  const exists = input.fileExists ?? defaultFileExists;
  const readName = input.readPackageName ?? defaultReadPackageName;
  const abs = path.resolve(input.entry);
  const candidates = [abs, `${abs}.js`, path.join(abs, 'index.js')];
  const file = candidates.find((c) => exists(c));
  if (!file) return { active: false, reason: `entry not found: ${abs}` };
  if (path.basename(file) !== 'index.js') return { active: false, reason: `not the server entry: ${file}` };
  const pkg = path.join(path.dirname(file), 'package.json');
  if (exists(pkg)) {
    const name = readName(pkg);
    return name === SERVER_PACKAGE_NAME
      ? { active: true, reason: `server entry ${file}` }
      : { active: false, reason: `entry package is ${JSON.stringify(name)}, not ${SERVER_PACKAGE_NAME}` };
  }
  return /[\\/]server[\\/]index\.js$/.test(file)
    ? { active: true, reason: `server entry ${file} (no package.json)` }
    : { active: false, reason: `not the server entry: ${file}` };
}
