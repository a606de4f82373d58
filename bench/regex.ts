// Regex mapping rules: MetricMapper.getMapping (cache off) with 10 and 100 regex rules on
// re2js (the engine in use), next to a plain JavaScript RegExp loop over the same patterns
// (the backtracking engine it replaced, for comparison only), and the issue-10 attacks on
// re2js. Same run, same names. Run: `npm run bench:regex`.
import os from 'node:os';
import { silentLogger } from '../src/core/logger';
import { compileMappingConfig } from '../src/mapper/config';
import { compileGoRegexp } from '../src/mapper/go-regexp';
import { MetricMapper } from '../src/mapper/mapper';

function rules(n: number): { yaml: string; patterns: string[]; names: string[] } {
  const lines = ['mappings:'];
  const patterns: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = i % 2 === 0 ? `^svc${i}\\.([^.]+)\\.requests\\.(\\w+)$` : `^(.*)\\.app${i}--(.*)\\.status\\.(.*)\\.count$`;
    patterns.push(p);
    lines.push(`- match: '${p}'`, '  match_type: regex', `  name: "rule_${i}"`, '  labels:', '    aa: "$1"');
    names.push(i % 2 === 0 ? `svc${i}.get.requests.ok` : `host${i}.app${i}--x.status.200.count`);
  }
  for (let i = 0; i < n; i++) names.push(`unmapped.metric${i}.somewhere`);
  return { yaml: lines.join('\n') + '\n', patterns, names };
}

function measure(fn: (name: string) => unknown, names: string[], ms = 1000): number {
  const end = Date.now() + ms;
  let ops = 0;
  const start = process.hrtime.bigint();
  while (Date.now() < end) {
    for (let i = 0; i < names.length; i++) fn(names[i]);
    ops += names.length;
  }
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

function main(): void {
  console.log(`regex mapping, cache off; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const n of [10, 100]) {
    const { yaml, patterns, names } = rules(n);
    const mapper = new MetricMapper({ config: compileMappingConfig(yaml, { source: 'bench.yml', logger: silentLogger }), cache: null });
    const js = patterns.map((p) => new RegExp(p, 'u'));
    const re2 = measure((s) => mapper.getMapping(s, 'counter'), names);
    const backtracking = measure((s) => {
      for (const r of js) if (r.exec(s) !== null) return;
    }, names);
    console.log(`${String(n).padStart(4)} rules: re2js getMapping ${Math.round(re2).toLocaleString('en')} lookups/s; JS RegExp loop ${Math.round(backtracking).toLocaleString('en')} lookups/s`);
  }
  const attacks: [string, string][] = [
    ['^([a-z]+_?)+\\.count$', 'a'.repeat(37) + '!'],
    ['(.*)\\.(.*)--(.*)\\.status\\.(.*)\\.count', '.--'.repeat(4267).slice(0, 12_800)],
    ['(.*)\\.(.*)--(.*)\\.status\\.(.*)\\.count', '.--'.repeat(20_000)],
  ];
  for (const [p, name] of attacks) {
    const re = compileGoRegexp(p);
    const t = process.hrtime.bigint();
    re.exec(name);
    console.log(`attack ${p} on ${name.length} bytes: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(2)} ms (re2js)`);
  }
}

main();
