// Formats the benchmark results as the markdown that `npm run bench` prints (and BENCH_DOCS=1
// writes into docs/benchmarks.md).
import type { LoadResult } from './load';
import type { MachineInfo } from './machine';
import type { MicroResult } from './micro';

/** statsd_exporter 0.27.2's figures as the issue quotes them (same kind of 2-core machine). */
export const ISSUE_FIGURES = {
  multiLinesPerSec: 800_000,
  singleLinesPerSec: 300_000,
  bytesPerSeries: 2.5 * 1024,
  scrapeMs: 500,
};

export interface ReportInput {
  machine: MachineInfo;
  quick: boolean;
  readBuffer: number;
  micro: MicroResult | null;
  loads: LoadResult[];
  senderKind: string;
  exporterVersion: string;
  /** Other busy processes seen when the run started. */
  busy: string[];
}

export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n < 10 ? 2 : 0);
}

export function report(r: ReportInput): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Machine: ${m.nproc} cores, ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.kernel}, node ${m.node}; net.core.rmem_max ${m.rmemMax}.`);
  out.push(
    `Load average at the start: ${m.loadAverage}${r.busy.length > 0 ? ` (busy: ${r.busy.join(', ')})` : ''}. Every measurement waited until no other process used more than 10% of a core, and a load step during which one did was measured again (steps marked * in the details never got a quiet run).`,
  );
  const env = [
    r.quick ? 'BENCH_QUICK=1' : '',
    r.loads.some((l) => l.name === 'statsd_exporter') ? 'STATSD_EXPORTER_BIN=/path/to/statsd_exporter' : '',
    r.loads.some((l) => l.name === 'statsd-bridge (before)') ? 'BENCH_BASELINE_DIR=/path/to/old/checkout' : '',
  ].filter(Boolean);
  out.push(`Command: \`${[...env, 'npm run bench'].join(' ')}\`${r.quick ? ' (quick run: shorter steps, half the series)' : ''}.`);
  out.push('');
  if (r.micro) {
    out.push('### Micro-benchmarks (in-process, one core)');
    out.push('');
    out.push('| benchmark | result | per op |');
    out.push('| --- | ---: | ---: |');
    for (const row of r.micro.rows) {
      if (row.unit === 'bytes/series') {
        out.push(`| ${row.name} | ${fmtNum(row.opsPerSec)} bytes per series | |`);
        continue;
      }
      const per = row.unit === 'scrapes' ? `${(1000 / row.opsPerSec).toFixed(0)} ms` : `${(1e9 / row.opsPerSec).toFixed(0)} ns`;
      out.push(`| ${row.name} | ${fmtNum(row.opsPerSec)} ${row.unit}/s | ${per} |`);
    }
    out.push('');
  }
  if (r.loads.length > 0) {
    const ours = r.loads[0];
    const theirs = r.loads.find((l) => l.name === 'statsd_exporter');
    const before = r.loads.find((l) => l.name === 'statsd-bridge (before)');
    out.push(`### Load test (UDP on 127.0.0.1, ${r.senderKind} sender process, --statsd.read-buffer=${r.readBuffer})`);
    out.push('');
    if (theirs) out.push(`statsd_exporter measured in the same run: ${process.env.STATSD_EXPORTER_LABEL || r.exporterVersion || 'version unknown'}.`);
    else out.push('statsd_exporter column: the figures quoted in the issue (no STATSD_EXPORTER_BIN in this run).');
    out.push('');
    out.push(`| figure | statsd-bridge | statsd_exporter${theirs ? '' : ' (issue)'} | ratio | goal |`);
    out.push('| --- | ---: | ---: | ---: | --- |');
    const ref = {
      multi: theirs ? theirs.multi.maxHeld : ISSUE_FIGURES.multiLinesPerSec,
      single: theirs ? theirs.single.maxHeld : ISSUE_FIGURES.singleLinesPerSec,
      mem: theirs ? theirs.memory.bytesPerSeries : ISSUE_FIGURES.bytesPerSeries,
      scrape: theirs ? theirs.memory.scrapeMedianMs : ISSUE_FIGURES.scrapeMs,
    };
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
    out.push(
      `| multi-line packets (16 lines, <=1400 B): highest rate at <0.1% loss | ${fmtNum(ours.multi.maxHeld)} lines/s | ${fmtNum(ref.multi)} lines/s | ${ratio(ours.multi.maxHeld, ref.multi)} | >= 2x |`,
    );
    out.push(
      `| daemon CPU at that rate | ${ours.multi.cpuAtMax.toFixed(2)} cores | ${theirs ? `${theirs.multi.cpuAtMax.toFixed(2)} cores` : 'n/a'} | | |`,
    );
    out.push(
      `| single-line packets: highest rate at <0.1% loss | ${fmtNum(ours.single.maxHeld)} lines/s | ${fmtNum(ref.single)} lines/s | ${ratio(ours.single.maxHeld, ref.single)} | >= 1x |`,
    );
    out.push(
      `| daemon CPU at that rate | ${ours.single.cpuAtMax.toFixed(2)} cores | ${theirs ? `${theirs.single.cpuAtMax.toFixed(2)} cores` : 'n/a'} | | |`,
    );
    out.push(
      `| resident memory per series (${fmtNum(ours.memory.series)} series: counters + 1/11 histograms) | ${(ours.memory.bytesPerSeries / 1024).toFixed(2)} KB | ${(ref.mem / 1024).toFixed(2)} KB | ${ratio(ours.memory.bytesPerSeries, ref.mem)} | <= 0.5x |`,
    );
    out.push(
      `| full /metrics scrape, gzip (median of 5) | ${ours.memory.scrapeMedianMs.toFixed(0)} ms | ${ref.scrape.toFixed(0)} ms | ${ratio(ours.memory.scrapeMedianMs, ref.scrape)} | <= 1x |`,
    );
    out.push(
      `| scrape size (plain / gzip on the wire) | ${mb(ours.memory.scrapeBytes)} / ${mb(ours.memory.scrapeGzipBytes)} MB | ${theirs ? `${mb(theirs.memory.scrapeBytes)} / ${mb(theirs.memory.scrapeGzipBytes)} MB` : '13 MB'} | | |`,
    );
    out.push(
      `| RSS with the series: loaded / after 5 scrapes / peak (VmHWM) | ${mb(ours.memory.rssLoaded)} / ${mb(ours.memory.rssAfterScrapes)} / ${mb(ours.memory.rssPeak)} MB | ${theirs ? `${mb(theirs.memory.rssLoaded)} / ${mb(theirs.memory.rssAfterScrapes)} / ${mb(theirs.memory.rssPeak)} MB` : 'n/a'} | | |`,
    );
    out.push('');
    if (before) {
      out.push('Before/after (the same measurements of the version in BENCH_BASELINE_DIR):');
      out.push('');
      out.push('| figure | before | after | ratio |');
      out.push('| --- | ---: | ---: | ---: |');
      out.push(`| multi-line packets, lines/s at <0.1% loss | ${fmtNum(before.multi.maxHeld)} | ${fmtNum(ours.multi.maxHeld)} | ${ratio(ours.multi.maxHeld, before.multi.maxHeld)} |`);
      out.push(`| single-line packets, lines/s at <0.1% loss | ${fmtNum(before.single.maxHeld)} | ${fmtNum(ours.single.maxHeld)} | ${ratio(ours.single.maxHeld, before.single.maxHeld)} |`);
      out.push(`| RSS: idle after the warm-up traffic (the baseline) | ${mb(before.memory.rssBaseline)} MB | ${mb(ours.memory.rssBaseline)} MB | ${ratio(ours.memory.rssBaseline, before.memory.rssBaseline)} |`);
      out.push(`| RSS: with the ${fmtNum(ours.memory.series)} series / after 5 scrapes / peak | ${mb(before.memory.rssLoaded)} / ${mb(before.memory.rssAfterScrapes)} / ${mb(before.memory.rssPeak)} MB | ${mb(ours.memory.rssLoaded)} / ${mb(ours.memory.rssAfterScrapes)} / ${mb(ours.memory.rssPeak)} MB | ${ratio(ours.memory.rssPeak, before.memory.rssPeak)} (peak) |`);
      out.push(`| full scrape, gzip | ${before.memory.scrapeMedianMs.toFixed(0)} ms | ${ours.memory.scrapeMedianMs.toFixed(0)} ms | ${ratio(ours.memory.scrapeMedianMs, before.memory.scrapeMedianMs)} |`);
      out.push('');
    }
    for (const l of r.loads) {
      out.push(`<details><summary>${l.name}: every load step</summary>`);
      out.push('');
      out.push('| packets | target lines/s | sent lines/s | loss | CPU (cores) | held |');
      out.push('| --- | ---: | ---: | ---: | ---: | --- |');
      // (a step marked * started while another process was busy)
      for (const [label, lad] of [['16 lines', l.multi], ['1 line', l.single]] as const) {
        for (const s of lad.steps) {
          out.push(`| ${label} | ${fmtNum(s.targetLinesPerSec)} | ${fmtNum(s.sentLinesPerSec)} | ${(s.loss * 100).toFixed(3)}% | ${s.cpu.toFixed(2)} | ${s.held ? 'yes' : 'no'}${s.quiet ? '' : ' *'} |`);
        }
      }
      out.push('');
      out.push('</details>');
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}

function mb(b: number): string {
  return (b / 1048576).toFixed(1);
}
