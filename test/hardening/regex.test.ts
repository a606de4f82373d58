// Regex rules run in time linear in the name (issue 10 row 1): the patterns that made
// JavaScript's backtracking engine stall the daemon for seconds to hours are matched by RE2,
// and the daemon keeps counting and answering. No timing is asserted: with a backtracking
// engine these tests would not finish, so a pass shows the work was done.
import { ManualClock } from '../../src/core/clock';
import { compileGoRegexp } from '../../src/mapper/go-regexp';
import { compile } from '../mapper/helpers';
import { startInProcess, type InProcessBridge } from '../support/inprocess';

// The rule from the attack, and the regex from statsd_exporter's README.
const NESTED = '^([a-z]+_?)+\\.count$';
const README = '(.*)\\.(.*)--(.*)\\.status\\.(.*)\\.count';

describe('linear-time regex rules', () => {
  it('a nested repetition against a 38-byte name that does not match', () => {
    const re = compileGoRegexp(NESTED);
    expect(re.exec('a'.repeat(37) + '!')).toBeNull();
    expect(re.exec('abc_def_ghi.count')).toEqual(['abc_def_ghi.count', 'ghi']);
  });

  it("statsd_exporter's README regex against a 12.8 KB name (and 60 KB)", () => {
    const re = compileGoRegexp(README);
    for (const size of [12_800, 60_000]) {
      const name = '.--'.repeat(Math.ceil(size / 3)).slice(0, size);
      expect(re.exec(name)).toBeNull();
      // The same name with a matching tail: the captures are Go's (greedy, leftmost-first).
      const m = re.exec(`${name}x.y--z.status.200.count`);
      expect(m).not.toBeNull();
      expect(m![4]).toBe('200');
      expect(m![3]).toBe('z');
    }
  });

  it('a repeated group keeps its last capture, as in Go (issue 11 row 4)', () => {
    const config = compile(
      'mappings:\n- match: "^p(?:(a)|(b))+$"\n  match_type: regex\n  name: "p"\n  labels:\n    ga: "$1"\n    gb: "$2"\n',
    );
    expect(config.matcher.match('pab', 'counter')?.labels).toEqual({ ga: 'a', gb: 'b' });
    expect(config.matcher.match('pba', 'counter')?.labels).toEqual({ ga: 'a', gb: 'b' });
    expect(config.matcher.match('paa', 'counter')?.labels).toEqual({ ga: 'a', gb: '' });
  });

  describe('in the daemon', () => {
    let b: InProcessBridge | undefined;
    afterEach(async () => {
      await b?.stop();
      b = undefined;
    });

    it('keeps counting and answering after hostile names', async () => {
      const mappingYaml = [
        'mappings:',
        `- match: '${NESTED}'`,
        '  match_type: regex',
        '  name: "nested_$1"',
        `- match: '${README}'`,
        '  match_type: regex',
        '  name: "request_total"',
        '  labels:',
        '    hostname: "$1"',
        '    exec: "$2"',
        '    code: "$4"',
        '',
      ].join('\n');
      b = await startInProcess({ clock: new ManualClock(1000), mappingYaml, config: { tcpMaxLineLength: 1 << 20 } });
      const nested = 'a'.repeat(37) + '!'; // 38 bytes
      const readme = '.--'.repeat(4267).slice(0, 12_800);
      await b.sendUdp(`${nested}:1|c`);
      await b.sendTcp(`${readme}:1|c\n`);
      await b.sendUdp('web01.api--x.status.200.count:3|c\nabc_def.count:2|c');
      const e = await b.waitForLines(4);
      expect(e.value('request_total', { hostname: 'web01', exec: 'api', code: '200' })).toBe(3);
      expect(e.value('nested_def')).toBe(2);
      // The hostile names matched no rule and went through the default mapping.
      expect(e.value(`${'a'.repeat(37)}_`)).toBe(1);
      expect(e.value('statsd_exporter_lines_total')).toBe(4);
      // Still answering: a later line is counted too.
      await b.sendUdp('abc_def.count:5|c');
      expect((await b.waitForLines(5)).value('nested_def')).toBe(7);
    });
  });
});
