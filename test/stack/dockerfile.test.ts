// Static checks of ./Dockerfile, deploy/anything-llm/Dockerfile and .dockerignore (no Docker
// engine here), plus the parts that can run without one: the HEALTHCHECK probe against a stub
// server (and the real bridge when it is built), and the emitter's slim /opt/statsd-bridge layout,
// assembled the way the anything-llm image does it and loaded as a --require preload.
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { dockerignore, execForm, parseDockerfile, parseKeyValues, readRepo, repoPath, walkFiles, type Stage } from './helpers';
import { startDaemon } from '../support/daemon';

const bridge = parseDockerfile(readRepo('Dockerfile'));
const allm = parseDockerfile(readRepo('deploy/anything-llm/Dockerfile'));
const isIgnored = dockerignore(readRepo('.dockerignore'));

const cmds = (s: Stage, cmd: string) => s.instructions.filter((i) => i.cmd === cmd);
const stageEnv = (s: Stage) => {
  const env = new Map<string, string>();
  for (const i of cmds(s, 'ENV')) parseKeyValues(i.args).forEach((v, k) => env.set(k, v));
  return env;
};
/** COPY sources taken from the build context (not --from=<stage>). */
const contextSources = (s: Stage) =>
  cmds(s, 'COPY')
    .filter((i) => !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return words.slice(0, -1).map((w) => w.replace(/\/$/, ''));
    });

/** src/emitter/**.ts compiled one by one with the repository's tsconfig (no type check): file -> JS. */
function compileEmitter(): Map<string, string> {
  const cfgFile = repoPath('tsconfig.json');
  const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(cfgFile, ts.sys.readFile).config, ts.sys, path.dirname(cfgFile));
  const out = new Map<string, string>();
  for (const file of walkFiles('src/emitter').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
    const js = ts.transpileModule(readRepo(file), { compilerOptions: { ...cfg.options, sourceMap: false, removeComments: true }, fileName: file });
    out.set(file, js.outputText);
  }
  expect(out.has('src/emitter/register.ts')).toBe(true);
  return out;
}

// The probe script of the bridge image's HEALTHCHECK.
function healthProbe(): { options: string; argv: string[] } {
  const hc = bridge.instructions.filter((i) => i.cmd === 'HEALTHCHECK');
  expect(hc).toHaveLength(1);
  const at = hc[0].args.indexOf('CMD ');
  const argv = execForm(hc[0].args.slice(at + 4).trim());
  if (!argv) throw new Error(`HEALTHCHECK must use the exec form: ${hc[0].args}`);
  return { options: hc[0].args.slice(0, at), argv };
}

function runProbe(url: string): Promise<number | null> {
  const [cmd, ...args] = healthProbe().argv;
  expect(cmd).toBe('node');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, STATSD_BRIDGE_HEALTHCHECK_URL: url }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('Dockerfile (bridge image)', () => {
  test('multi-stage: node:20-bookworm build stage, node:20-bookworm-slim runtime', () => {
    expect(bridge.stages.length).toBeGreaterThanOrEqual(2);
    const build = bridge.stages[0];
    const runtime = bridge.stages[bridge.stages.length - 1];
    expect(build.image).toBe('node:20-bookworm');
    expect(build.name).toBeTruthy();
    expect(runtime.image).toBe('node:20-bookworm-slim');
    const runs = cmds(build, 'RUN').map((i) => i.args).join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm prune --omit=dev\b/);
    // `npm ci` must not skip install scripts: the unix-dgram addon is compiled there.
    expect(runs).not.toMatch(/--ignore-scripts/);
    const fromBuild = cmds(runtime, 'COPY').filter((i) => i.args.includes(`--from=${build.name}`)).map((i) => i.args);
    for (const what of ['/src/node_modules', '/src/dist', '/src/package.json']) expect(fromBuild.some((a) => a.includes(what))).toBe(true);
  });

  test('runs as a non-root user', () => {
    const runtime = bridge.stages[bridge.stages.length - 1];
    const users = cmds(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  test('EXPOSE 9102/tcp 9125/udp 9125/tcp', () => {
    const runtime = bridge.stages[bridge.stages.length - 1];
    const exposed = cmds(runtime, 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => (p.includes('/') ? p : `${p}/tcp`));
    expect(exposed.sort()).toEqual(['9102/tcp', '9125/tcp', '9125/udp']);
  });

  test('HEALTHCHECK runs node against /-/healthy (no curl in the slim image)', () => {
    const { options, argv } = healthProbe();
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv[2]).toContain('http://127.0.0.1:9102/-/healthy');
    expect(options).toMatch(/--interval=\d+s/);
    expect(options).toMatch(/--timeout=\d+s/);
  });

  test('ENTRYPOINT is exec-form node /app/bin/statsd-bridge.js, so arguments pass through like prom/statsd-exporter', () => {
    const runtime = bridge.stages[bridge.stages.length - 1];
    const eps = cmds(runtime, 'ENTRYPOINT');
    expect(eps).toHaveLength(1);
    expect(execForm(eps[0].args)).toEqual(['node', '/app/bin/statsd-bridge.js']);
    // WORKDIR /app + COPY bin ./bin puts the repository's bin/statsd-bridge.js there.
    expect(cmds(runtime, 'WORKDIR').map((i) => i.args)).toContain('/app');
    expect(contextSources(runtime)).toContain('bin');
    expect(readRepo('bin', 'statsd-bridge.js')).toContain("require('../dist/cli/main.js')");
    const cmd = cmds(runtime, 'CMD');
    if (cmd.length) expect(execForm(cmd[cmd.length - 1].args)).not.toBeNull();
  });

  test('the bridge serves /-/healthy', () => {
    expect(readRepo('src', 'http', 'server.ts')).toMatch(/['"]\/-\/healthy['"]/);
  });

  test('the HEALTHCHECK probe exits 0 on 200, 1 on an error status and 1 when nothing listens', async () => {
    let status = 200;
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/-/healthy' ? status : 404;
      res.end('ok\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(await runProbe(`http://127.0.0.1:${port}/-/healthy`)).toBe(0);
      status = 503;
      expect(await runProbe(`http://127.0.0.1:${port}/-/healthy`)).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await runProbe(`http://127.0.0.1:${port}/-/healthy`)).toBe(1);
  });

  const built = fs.existsSync(repoPath('dist', 'cli', 'main.js'));
  (built ? test : test.skip)('the HEALTHCHECK probe passes against the real bridge (needs `npm run build`)', async () => {
    const d = await startDaemon();
    try {
      expect(await runProbe(`http://127.0.0.1:${d.httpPort}/-/healthy`)).toBe(0);
    } finally {
      await d.stop();
    }
  });
});

describe('deploy/anything-llm/Dockerfile', () => {
  const final = allm.stages[allm.stages.length - 1];

  test('derives from the official image at a pinned, overridable tag', () => {
    expect(final.from).toBe('mintplexlabs/anythingllm:${ANYTHINGLLM_VERSION}');
    expect(allm.globalArgs.get('ANYTHINGLLM_VERSION')).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('keeps the base image user, entrypoint and command', () => {
    for (const c of ['USER', 'ENTRYPOINT', 'CMD', 'HEALTHCHECK']) expect([c, cmds(final, c).length]).toEqual([c, 0]);
  });

  test('preloads the emitter via NODE_OPTIONS from the files copied to /opt/statsd-bridge', () => {
    const env = stageEnv(final);
    const m = /--require\s+(\S+)/.exec(env.get('NODE_OPTIONS') ?? '');
    expect(m).not.toBeNull();
    const preload = m![1];
    expect(preload).toBe('/opt/statsd-bridge/dist/emitter/register.js');
    expect(cmds(final, 'COPY').map((i) => i.args)).toContain('--from=emitter /opt/statsd-bridge /opt/statsd-bridge');
    // The emitter stage builds dist/emitter from src/emitter and collects it plus hot-shots.
    const emitter = allm.stages.find((s) => s.name === 'emitter')!;
    expect(emitter.image).toBe('node:20-bookworm');
    const runs = cmds(emitter, 'RUN').map((i) => i.args).join('\n');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('cp -R dist/emitter /opt/statsd-bridge/dist/');
    expect(runs).toContain('cp -R node_modules/hot-shots /opt/statsd-bridge/node_modules/');
    expect(fs.existsSync(repoPath('src', 'emitter', 'register.ts'))).toBe(true);
    expect(env.get('STATSD_HOST')).toBeTruthy();
    expect(env.get('STATSD_PORT')).toBe('9125');
  });

  test("the build's smoke test runs from WORKDIR, loads the preload and fails when it wraps nothing", () => {
    const emitter = allm.stages.find((s) => s.name === 'emitter')!;
    const runs = cmds(emitter, 'RUN').map((i) => i.args);
    for (const r of runs) expect(r).not.toMatch(/(^|&&|;)\s*cd\s/);
    expect(cmds(emitter, 'WORKDIR').map((i) => i.args)).toContain('/smoke');
    const smoke = runs[runs.length - 1];
    expect(smoke).toBe('node --require /opt/statsd-bridge/dist/emitter/register.js server/index.js');
    expect(cmds(final, 'EXPOSE').map((i) => i.args)).toContain('3001');
    // The same command natively, against the repo's build (`npm test` builds dist/ first).
    const cwd = repoPath('deploy', 'anything-llm', 'smoke');
    const register = repoPath('dist', 'emitter', 'register.js');
    const env = { PATH: process.env.PATH ?? '', STATSD_HOST: '127.0.0.1', STATSD_PORT: '9' };
    const ok = spawnSync(process.execPath, ['--require', register, 'server/index.js'], { cwd, env, encoding: 'utf8' });
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toMatch(/llm targets wrapped: 1/);
    // No preload, or a preload that stays inert, or one that wraps nothing: the build fails.
    expect(spawnSync(process.execPath, ['server/index.js'], { cwd, env, encoding: 'utf8' }).status).toBe(1);
    expect(spawnSync(process.execPath, ['--require', register, 'server/index.js'], { cwd, env: { ...env, STATSD_BRIDGE_EMITTER: 'off' }, encoding: 'utf8' }).status).toBe(1);
    const unwrapped = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-'));
    fs.cpSync(cwd, unwrapped, { recursive: true });
    // A provider without the methods the hook wraps (as after an upstream rename).
    fs.writeFileSync(path.join(unwrapped, 'server/utils/AiProviders/openAi/index.js'), 'class OpenAiLLM { async chat() {} }\nmodule.exports = { OpenAiLLM };\n');
    const none = spawnSync(process.execPath, ['--require', register, 'server/index.js'], { cwd: unwrapped, env, encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/llm targets wrapped: 0/);
  });

  test('the emitter needs nothing beyond dist/emitter, node built-ins and hot-shots', () => {
    // Scans the compiled output (type-only imports and comments are gone), i.e. what runs.
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const outside: string[] = [];
    for (const [file, js] of compileEmitter()) {
      for (const m of js.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)|\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.')) {
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
          if (!resolved.startsWith('src/emitter/')) outside.push(`${file}: ${spec}`);
        } else if (!builtins.has(spec) && spec !== 'hot-shots') {
          outside.push(`${file}: ${spec}`);
        }
      }
    }
    expect(outside).toEqual([]);
    const hotShots = JSON.parse(readRepo('node_modules', 'hot-shots', 'package.json')) as { dependencies?: Record<string, string> };
    expect(Object.keys(hotShots.dependencies ?? {})).toEqual([]);
  });

  test('the slim /opt/statsd-bridge layout loads as a preload and sends StatsD', async () => {
    // Assemble what the emitter stage produces, from src/emitter compiled with the repo's tsconfig.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-emitter-'));
    const opt = path.join(tmp, 'opt', 'statsd-bridge');
    try {
      for (const [file, js] of compileEmitter()) {
        const dest = path.join(opt, 'dist', path.relative('src', file).replace(/\.ts$/, '.js'));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, js);
      }
      fs.cpSync(repoPath('node_modules', 'hot-shots'), path.join(opt, 'node_modules', 'hot-shots'), { recursive: true });

      const sock = dgram.createSocket('udp4');
      const received: string[] = [];
      sock.on('message', (m) => received.push(m.toString()));
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
      try {
        const port = sock.address().port;
        const preload = path.join(opt, 'dist', 'emitter', 'register.js');
        const code = await new Promise<number | null>((resolve, reject) => {
          const child = spawn(process.execPath, ['--require', preload, '-e', 'setTimeout(() => {}, 100)'], {
            cwd: tmp, // nothing above tmp provides node_modules: hot-shots must come from the layout
            env: { PATH: process.env.PATH ?? '', STATSD_BRIDGE_EMITTER: 'on', STATSD_HOST: '127.0.0.1', STATSD_PORT: String(port) },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
          child.on('error', reject);
          child.on('exit', (c) => (c === 0 ? resolve(c) : reject(new Error(`preload exited ${c}\n${stderr}`))));
        });
        expect(code).toBe(0);
        for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(received.length).toBeGreaterThan(0);
        expect(received.join('\n')).toMatch(/^anythingllm\.[a-z_.]+:[-\d.]+\|[a-z]+/m);
      } finally {
        sock.close();
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('.dockerignore', () => {
  test('the build context carries every file the images COPY', () => {
    const sources = [...bridge.stages, ...allm.stages].flatMap(contextSources);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'bin', 'mapping']));
    const problems: string[] = [];
    for (const src of new Set(sources)) {
      const files = walkFiles(src);
      if (files.length === 0) problems.push(`${src}: does not exist`);
      for (const f of files) if (isIgnored(f)) problems.push(`${f}: excluded by .dockerignore`);
    }
    expect(problems).toEqual([]);
  });

  test('keeps local build output, dependencies, tests and VCS data out of the context', () => {
    for (const p of ['node_modules/hot-shots/package.json', 'dist/emitter/register.js', '.git/HEAD', 'test/stack/helpers.ts', 'docs/metrics.md', 'deploy/prometheus/prometheus.yml', 'src/node_modules/x.js', 'tmp-t1.ts', 'npm-debug.log']) {
      expect([p, isIgnored(p)]).toEqual([p, true]);
    }
  });
});
