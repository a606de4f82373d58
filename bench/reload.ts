// Datagrams lost during a mapping reload (issue 10, "Reload blocks ingestion"): the daemon is
// started with a mapping of N rules, UDP lines are sent at a steady rate, the mapping is
// replaced and SIGHUP sent, and once the reload is seen in /metrics sending goes on a little;
// lost = sent - counted (statsd_exporter_lines_total). Run: `npm run bench:reload`
// (options: --rules=1000,10000,100000 --rate=2000 --regex --ref to run statsd_exporter too).
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BRIDGE = path.join(REPO_ROOT, 'bin', 'statsd-bridge.js');
const REFERENCE = '/work/ext/bin/statsd_exporter';

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

function mapping(rules: number, regex: boolean, gen: string): string {
  const out = ['mappings:'];
  for (let i = 0; i < rules; i++) {
    if (regex) out.push(`- match: '^svc${i}\\.([^.]+)\\.requests$'`, '  match_type: regex', `  name: "svc_requests_${i}"`, '  labels:', '    op: "$1"');
    else out.push(`- match: "svc${i}.*.requests"`, `  name: "svc_requests_${i}"`, '  labels:', '    op: "$1"');
  }
  out.push('- match: "reload.*"', '  name: "reload_bench_total"', '  labels:', `    gen: "${gen}"`, '');
  return out.join('\n');
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUp(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if (proc.exitCode !== null) throw new Error(`daemon exited with ${proc.exitCode}`);
    try {
      await get(port);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error('daemon did not come up');
}

interface Result {
  daemon: string;
  rules: number;
  sent: number;
  lost: number;
  reloadSeenMs: number;
}

async function runOne(daemon: 'bridge' | 'reference', rules: number, rate: number, regex: boolean): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-reload-'));
  const file = path.join(dir, 'mapping.yml');
  fs.writeFileSync(file, mapping(rules, regex, 'g0'));
  const udpPort = await freePort();
  const httpPort = await freePort();
  const args = [`--statsd.mapping-config=${file}`, `--statsd.listen-udp=127.0.0.1:${udpPort}`, `--web.listen-address=127.0.0.1:${httpPort}`];
  const proc =
    daemon === 'bridge'
      ? spawn(process.execPath, [BRIDGE, ...args, '--statsd.listen-tcp='], { stdio: 'ignore' })
      : spawn(REFERENCE, [...args, '--statsd.listen-tcp='], { stdio: 'ignore' });
  try {
    await waitUp(httpPort, proc);
    const linesBefore = sample(await get(httpPort), 'statsd_exporter_lines_total');
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, mapping(rules, regex, 'g1'));
    fs.renameSync(tmp, file);

    const sock = dgram.createSocket('udp4');
    let sent = 0;
    const payload = Buffer.from('reload.line:1|c');
    const started = Date.now();
    const timer = setInterval(() => {
      // What is due by now at `rate`, so a late tick catches up.
      const due = Math.floor(((Date.now() - started) * rate) / 1000) - sent;
      for (let i = 0; i < due; i++) {
        sock.send(payload, udpPort, '127.0.0.1');
        sent++;
      }
    }, 5);
    await sleep(1000);
    const hupAt = Date.now();
    proc.kill('SIGHUP');
    let reloadSeenMs = -1;
    while (reloadSeenMs < 0) {
      const text = await get(httpPort);
      if (sample(text, 'statsd_exporter_config_reloads_total', '{outcome="success"}') > 0) reloadSeenMs = Date.now() - hupAt;
      else if (sample(text, 'statsd_exporter_config_reloads_total', '{outcome="failure"}') > 0) throw new Error('reload failed');
      else await sleep(20);
      if (Date.now() - hupAt > 600_000) throw new Error('reload not seen within 10 minutes');
    }
    await sleep(1000);
    clearInterval(timer);
    await sleep(1000);
    sock.close();
    const counted = sample(await get(httpPort), 'statsd_exporter_lines_total') - linesBefore;
    return { daemon, rules, sent, lost: sent - counted, reloadSeenMs };
  } finally {
    proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rules = arg('rules', '1000,10000,100000').split(',').map(Number);
  const rate = Number(arg('rate', '2000'));
  const regex = flag('regex');
  const daemons: ('bridge' | 'reference')[] = flag('ref') && fs.existsSync(REFERENCE) ? ['bridge', 'reference'] : ['bridge'];
  console.log(`reload under load: ${rate} datagrams/s, ${regex ? 'regex' : 'glob'} rules; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('daemon     rules    sent   lost  reload seen after');
  for (const n of rules) {
    for (const d of daemons) {
      const r = await runOne(d, n, rate, regex);
      console.log(`${r.daemon.padEnd(9)} ${String(r.rules).padStart(6)} ${String(r.sent).padStart(7)} ${String(r.lost).padStart(6)}  ${(r.reloadSeenMs / 1000).toFixed(2)} s`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
