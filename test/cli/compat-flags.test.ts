// Issue 11 row 14 (deliberate): boolean flags take `=false` / `=true` as well as `--no-`
// (statsd_exporter's kingpin refuses `--flag=false`: "unexpected false, try --help").
import { parseArgs } from '../../src/cli/flags';

function config(args: string[]) {
  const parsed = parseArgs(args);
  if (parsed.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(parsed)}`);
  return parsed.config;
}

test.each([
  [['--statsd.parse-dogstatsd-tags=false'], false],
  [['--no-statsd.parse-dogstatsd-tags'], false],
  [['--statsd.parse-dogstatsd-tags=true'], true],
  [['--statsd.parse-dogstatsd-tags'], true],
  [[], true],
])('%j: parseDogstatsdTags = %s', (args, expected) => {
  expect(config(args).parseDogstatsdTags).toBe(expected);
});

test('--debug.dump-fsm is accepted with any mapping (a regex-only mapping has no FSM: logged, not a crash)', () => {
  expect(config(['--debug.dump-fsm=/tmp/fsm.dot']).debugDumpFsm).toBe('/tmp/fsm.dot');
});
