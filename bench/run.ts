// `npm run bench`: micro-benchmarks, then the load test against the built daemon (and against
// statsd_exporter when STATSD_EXPORTER_BIN names its binary), then a summary table.
//   BENCH_QUICK=1   a short run (fewer iterations, shorter load steps, half the series)
//   BENCH_ONLY=micro|load|multi|single|memory (comma-separated)   only those parts
//   BENCH_READ_BUFFER=bytes  --statsd.read-buffer for both daemons (default 4 MiB)
//   BENCH_DOCS=1    also rewrite the generated part of docs/benchmarks.md
//   BENCH_BASELINE_DIR=dir   also measure the daemon built in another checkout (before/after)
//   STATSD_EXPORTER_BIN=path  also measure statsd_exporter, and print the ratios
//   STATSD_EXPORTER_LABEL=text  how the report names that binary (default: its --version)
//   BENCH_REPORT=dist-bench/results.json   only print the report of an earlier run
import fs from 'node:fs';
import path from 'node:path';
import { busyProcesses, exporterVersion, machineInfo } from './machine';
import { makeTmp, prepareSender, runLoad, waitIdle, type LoadResult } from './load';
import { runMicro, type MicroResult } from './micro';
import { bridgeSpec, exporterSpec, REPO_ROOT } from './proc';
import { report } from './report';
import { LOAD_MAPPING_YAML } from './traffic';

async function main(): Promise<void> {
  // BENCH_REPORT=results.json: print (and with BENCH_DOCS=1 write) the report of an earlier run.
  if (process.env.BENCH_REPORT) {
    const saved = JSON.parse(fs.readFileSync(process.env.BENCH_REPORT, 'utf8')) as Parameters<typeof report>[0];
    const text = report({ ...saved, busy: saved.busy ?? [] });
    process.stdout.write(text);
    if (process.env.BENCH_DOCS === '1') updateDocs(text);
    return;
  }
  const quick = process.env.BENCH_QUICK === '1';
  const only = process.env.BENCH_ONLY ?? '';
  const readBuffer = Number(process.env.BENCH_READ_BUFFER ?? 4 * 1024 * 1024);
  const exporterBin = process.env.STATSD_EXPORTER_BIN ?? '';
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}${quick ? ' (BENCH_QUICK)' : ''}`);
  const busy = await busyProcesses();
  if (busy.length > 0) log(`warning: other processes are busy (${busy.join(', ')}): the figures will be low`);

  let micro: MicroResult | null = null;
  if (only === '' || only === 'micro') {
    log('micro-benchmarks');
    await waitIdle(-1, log);
    micro = await runMicro({ quick, log });
  }

  const loads: LoadResult[] = [];
  let senderKind = '';
  let exporterVer = '';
  // BENCH_ONLY=load runs every load measurement; multi, single or memory one of them.
  const loadParts = only === '' || only === 'load' ? new Set(['multi', 'single', 'memory']) : new Set(only.split(',').filter((x) => ['multi', 'single', 'memory'].includes(x)));
  if (loadParts.size > 0) {
    const tmp = makeTmp();
    try {
      const mappingFile = path.join(tmp, 'mapping.yml');
      fs.writeFileSync(mappingFile, LOAD_MAPPING_YAML);
      const sender = prepareSender(tmp, log);
      senderKind = sender.kind;
      const specs = [bridgeSpec(mappingFile, readBuffer)];
      // BENCH_BASELINE_DIR: a built checkout of an earlier version, measured the same way (before/after).
      const baseline = process.env.BENCH_BASELINE_DIR ?? '';
      if (baseline) specs.push(bridgeSpec(mappingFile, readBuffer, path.resolve(baseline), 'statsd-bridge (before)'));
      if (exporterBin) {
        exporterVer = exporterVersion(exporterBin);
        specs.push(exporterSpec(exporterBin, mappingFile, readBuffer));
      } else {
        log('STATSD_EXPORTER_BIN is not set: comparing against the figures quoted in the issue');
      }
      for (const spec of specs) {
        log(`load test: ${spec.name}`);
        loads.push(await runLoad(spec, { quick, sender, tmp, mappingFile, log, parts: loadParts }));
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  const text = report({ machine, quick, readBuffer, micro, loads, senderKind, exporterVersion: exporterVer, busy });
  process.stdout.write(text);
  const outDir = path.join(REPO_ROOT, 'dist-bench');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ machine, quick, readBuffer, micro, loads, senderKind, exporterVersion: exporterVer, busy }, null, 2));
  fs.writeFileSync(path.join(outDir, 'results.md'), text);
  if (process.env.BENCH_DOCS === '1') updateDocs(text);
}

/** Replaces the text between the generated-section markers of docs/benchmarks.md. */
function updateDocs(text: string): void {
  const file = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `${start}\n${end}\n`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a === -1 || b === -1) throw new Error('docs/benchmarks.md has no bench markers');
  fs.writeFileSync(file, `${doc.slice(0, a + start.length)}\n${text}${doc.slice(b)}`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
