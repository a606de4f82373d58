// Glob matching through the FSM: segments, ordering semantics, match_metric_type, the
// hand-over to regex rules, and size independence.
import type { EventType } from '../../src/line/events';
import { analyzeGlobRules } from '../../src/mapper/glob-fsm';
import type { CompiledMappingConfig } from '../../src/mapper/types';
import { compile, recordingLogger } from './helpers';

function rules(patterns: string[], opts: { ordering?: boolean; extra?: string } = {}): CompiledMappingConfig {
  const defaults = opts.ordering === false ? 'defaults:\n  glob_disable_ordering: true\n' : '';
  const body = patterns.map((p, i) => `- match: '${p}'\n  name: r${i}\n${opts.extra ?? ''}`).join('');
  return compile(`${defaults}mappings:\n${body}`);
}

function winner(cfg: CompiledMappingConfig, name: string, type: EventType = 'counter'): string | null {
  return cfg.matcher.match(name, type)?.name ?? null;
}

describe('segments', () => {
  const cfg = compile(
    "mappings:\n- match: a.*.c\n  name: x\n  labels:\n    seg: $1\n- match: '*'\n  name: single\n  labels:\n    seg: $1\n",
  );

  it('* matches exactly one segment', () => {
    expect(cfg.matcher.match('a.b.c', 'counter')?.labels).toEqual({ seg: 'b' });
    expect(cfg.matcher.match('a.b.b.c', 'counter')).toBeNull();
    expect(cfg.matcher.match('a.c', 'counter')).toBeNull();
  });

  it('the segment may be empty', () => {
    expect(cfg.matcher.match('a..c', 'counter')?.labels).toEqual({ seg: '' });
    expect(cfg.matcher.match('', 'counter')?.labels).toEqual({ seg: '' });
  });

  it('a lone * matches any dot-free name', () => {
    expect(cfg.matcher.match('test', 'counter')?.labels).toEqual({ seg: 'test' });
    expect(cfg.matcher.match('a.b', 'counter')).toBeNull();
  });

  it('a metric segment that is literally "*" is captured like any other', () => {
    const c = compile('mappings:\n- match: a.*.*\n  name: x_${2}\n  labels:\n    first: $1\n');
    const r = c.matcher.match('a.*.b', 'counter');
    expect(r?.name).toBe('x_b');
    expect(r?.labels).toEqual({ first: '*' });
  });

  it('literal segments are compared exactly (case, dashes, digits)', () => {
    const c = rules(['foo--bar.*', 'Foo.*', 'test.99test.*']);
    expect(winner(c, 'foo--bar.x')).toBe('r0');
    expect(winner(c, 'foo-bar.x')).toBeNull();
    expect(winner(c, 'Foo.x')).toBe('r1');
    expect(winner(c, 'foo.x')).toBeNull();
    expect(winner(c, 'test.99test.x')).toBe('r2');
  });
});

describe('ordering on (default): the lowest-index matching rule wins', () => {
  it('a broader rule listed first wins', () => {
    const c = rules(['order.*.*', 'order.*.bbb']);
    expect(winner(c, 'order.good.bbb')).toBe('r0');
  });

  it('a specific rule listed first wins, the broad one catches the rest', () => {
    const c = rules(['order.*.bbb', 'order.*.*']);
    expect(winner(c, 'order.good.bbb')).toBe('r0');
    expect(winner(c, 'order.good.ccc')).toBe('r1');
  });

  it('a * rule listed first beats a literal rule', () => {
    const c = rules(['*.b.c', 'a.b.c']);
    expect(winner(c, 'a.b.c')).toBe('r0');
  });

  it('backtracks out of a literal branch that leads nowhere', () => {
    const c = rules(['a.b.c', 'a.*.d']);
    expect(winner(c, 'a.b.d')).toBe('r1');
    expect(winner(c, 'a.b.c')).toBe('r0');
  });

  it('finds the lowest index across several branches', () => {
    const c = rules(['x.*.*.z', 'x.y.*.*', '*.y.w.z', 'x.y.w.z']);
    expect(winner(c, 'x.y.w.z')).toBe('r0');
    expect(winner(c, 'x.y.w.q')).toBe('r1');
    expect(winner(c, 'q.y.w.z')).toBe('r2');
  });

  it('identical patterns: the first one wins', () => {
    const c = rules(['a.*', '*.b', 'a.*']);
    expect(winner(c, 'a.b')).toBe('r0');
  });

  it('a shorter rule after a longer one with the same prefix still matches', () => {
    const c = rules(['a.b.c', 'a.b']);
    expect(winner(c, 'a.b')).toBe('r1');
    expect(winner(c, 'a.b.c')).toBe('r0');
  });

  it('captures come from the winning path', () => {
    const c = compile("mappings:\n- match: '*.b.*'\n  name: first\n  labels: {xx: $1, yy: $2}\n- match: a.*.c\n  name: second\n  labels: {xx: $1}\n");
    expect(c.matcher.match('a.b.c', 'counter')).toEqual({ mapping: c.mappings[0], name: 'first', labels: { xx: 'a', yy: 'c' } });
    expect(c.matcher.match('a.q.c', 'counter')).toEqual({ mapping: c.mappings[1], name: 'second', labels: { xx: 'q' } });
  });
});

describe('ordering off (glob_disable_ordering): literal beats * at each level', () => {
  it('upstream "super sets, disables ordering"', () => {
    const c = rules(['noorder.*.*', 'noorder.*.bbb', 'noorder.ccc.bbb'], { ordering: false });
    expect(winner(c, 'noorder.good.bbb')).toBe('r1');
    expect(winner(c, 'noorder.ccc.bbb')).toBe('r2');
    expect(winner(c, 'noorder.good.ccc')).toBe('r0');
  });

  it('a literal rule beats an earlier * rule', () => {
    const c = rules(['*.b.c', 'a.b.c'], { ordering: false });
    expect(winner(c, 'a.b.c')).toBe('r1');
    expect(winner(c, 'z.b.c')).toBe('r0');
  });

  it('falls back to * when the literal branch fails (backtracking)', () => {
    const c = rules(['backtrack.*.bbb', 'backtrack.justatest.aaa'], { ordering: false });
    expect(winner(c, 'backtrack.justatest.bbb')).toBe('r0');
    expect(winner(c, 'backtrack.justatest.aaa')).toBe('r1');
  });

  it('also where upstream\'s backtracking heuristic would give up', () => {
    const c = rules(['a.b.c', 'a.*.d', '*.*.d'], { ordering: false });
    expect(winner(c, 'a.b.d')).toBe('r1');
    expect(winner(c, 'q.b.d')).toBe('r2');
  });

  it('the first final state found wins, not the lowest index', () => {
    const c = rules(['a.*.*', 'a.b.*'], { ordering: false });
    expect(winner(c, 'a.b.c')).toBe('r1');
  });
});

describe('match_metric_type', () => {
  it('selects rules per event type', () => {
    const c = compile(
      'mappings:\n- match: test.foo.*\n  name: sum\n  match_metric_type: counter\n- match: test.foo.*\n  name: current\n  match_metric_type: gauge\n- match: test.*.*\n  name: any\n',
    );
    expect(winner(c, 'test.foo.x', 'counter')).toBe('sum');
    expect(winner(c, 'test.foo.x', 'gauge')).toBe('current');
    expect(winner(c, 'test.foo.x', 'observer')).toBe('any');
  });

  it('an untyped rule listed first wins for every type', () => {
    const c = compile('mappings:\n- match: a.*\n  name: any\n- match: a.*\n  name: typed\n  match_metric_type: counter\n');
    expect(winner(c, 'a.x', 'counter')).toBe('any');
  });

  it('a typed rule that matches the name but not the type is skipped', () => {
    const c = compile('mappings:\n- match: a.*\n  name: typed\n  match_metric_type: observer\n');
    expect(winner(c, 'a.x', 'counter')).toBeNull();
    expect(winner(c, 'a.x', 'observer')).toBe('typed');
  });
});

describe('glob and regex rules together', () => {
  const c = compile(
    [
      'mappings:',
      '- match: .',
      '  match_type: regex',
      '  name: dropped',
      '  action: drop',
      '- match: web.*',
      '  name: web',
      '  labels: {site: $1}',
      '- match: ^(\\w+)\\.gauge$',
      '  match_type: regex',
      '  name: never',
      '',
    ].join('\n'),
  );

  it('glob rules win over regex rules listed earlier', () => {
    expect(c.matcher.match('web.localhost', 'counter')).toMatchObject({ name: 'web', labels: { site: 'localhost' } });
  });

  it('regex rules are tried in file order when no glob matched', () => {
    const r = c.matcher.match('foo.gauge', 'gauge');
    expect(r?.name).toBe('dropped');
    expect(r?.mapping.action).toBe('drop');
  });

  it('regex matching is unanchored and match_metric_type is checked after the match', () => {
    const d = compile(
      "mappings:\n- match: 'requests'\n  match_type: regex\n  name: only_gauges\n  match_metric_type: gauge\n- match: 'req(\\w+)'\n  match_type: regex\n  name: fallback_${1}\n",
    );
    expect(d.matcher.match('app.requests.total', 'gauge')?.name).toBe('only_gauges');
    expect(d.matcher.match('app.requests.total', 'counter')?.name).toBe('fallback_uests');
  });
});

describe('load-time warnings (upstream TestIfNeedBacktracking)', () => {
  it('warns about a superset rule listed before a more specific one', () => {
    const logger = recordingLogger();
    compile("mappings:\n- match: 'order.*.*'\n  name: a\n- match: order.*.bbb\n  name: b\n", { logger });
    expect(logger.entries.find((e) => e.msg.startsWith('match is a super set'))?.fields).toMatchObject({
      first_match: 'order.*.*',
      second_match: 'order.*.bbb',
    });
  });

  it('warns about rules that need backtracking', () => {
    expect(analyzeGlobRules(['backtrack.*.bbb', 'backtrack.justatest.aaa'], true)).toEqual([
      { kind: 'backtracking', match: 'backtrack.*.bbb' },
    ]);
    expect(analyzeGlobRules(['a.*', 'b.*'], false)).toEqual([]);
  });
});

describe('size independence', () => {
  function bigConfig(n: number): CompiledMappingConfig {
    const lines = ['mappings:'];
    for (let i = 0; i < n; i++) {
      lines.push(`- match: svc${i}.*.requests`, `  name: svc${i}_requests_total`, '  labels:', `    endpoint: $1`, `    rule: "r${i}"`);
    }
    lines.push("- match: '*.*.*'", '  name: fallback_${3}', '  labels:', '    service: $1');
    return compile(lines.join('\n') + '\n', { logger: recordingLogger() });
  }

  const big = bigConfig(1000);

  it('a 1000-rule config resolves every rule', () => {
    expect(big.mappings).toHaveLength(1001);
    for (const i of [0, 1, 499, 998, 999]) {
      expect(big.matcher.match(`svc${i}.login.requests`, 'counter')).toEqual({
        mapping: big.mappings[i],
        name: `svc${i}_requests_total`,
        labels: { endpoint: 'login', rule: `r${i}` },
      });
    }
    expect(big.matcher.match('svc1000.login.requests', 'counter')).toMatchObject({ name: 'fallback_requests', labels: { service: 'svc1000' } });
    expect(big.matcher.match('svc5.login.errors', 'counter')).toMatchObject({ name: 'fallback_errors', labels: { service: 'svc5' } });
    expect(big.matcher.match('svc5.login', 'counter')).toBeNull();
    expect(big.matcher.match('svc5.login.requests.extra', 'counter')).toBeNull();
  });

  it('a lookup costs about the same with 1000 rules as with 10', () => {
    const small = bigConfig(10);
    const names = Array.from({ length: 10 }, (_, i) => `svc${i}.ep${i}.requests`);
    const time = (cfg: CompiledMappingConfig): number => {
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const start = process.hrtime.bigint();
        for (let k = 0; k < 20000; k++) cfg.matcher.match(names[k % 10], 'counter');
        best = Math.min(best, Number(process.hrtime.bigint() - start));
      }
      return best;
    };
    time(small);
    time(big);
    const ratio = time(big) / time(small);
    expect(ratio).toBeLessThan(4);
  });
});
