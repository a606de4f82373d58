// Flag values out of range are refused with a one-line error naming the flag (issue 10: a cache
// size of 1e20, negative durations, and durations past Node's 2^31-1 ms timer limit, which
// Node would silently turn into a 1 ms timer, were accepted).
import { spawnSync } from 'node:child_process';
import { FlagError, MAX_TIMER_MS, formatMs, parseArgs } from '../../src/cli/flags';
import { BIN, REPO_ROOT } from '../support/daemon';

function refusal(args: string[]): string {
  try {
    parseArgs(args);
  } catch (err) {
    if (err instanceof FlagError) return err.message;
    throw err;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
}

function config(args: string[]) {
  const p = parseArgs(args);
  if (p.kind !== 'run') throw new Error('not a run');
  return p.config;
}

describe('out-of-range flag values are refused', () => {
  // [argument, text the one-line error must contain]
  const refused: Array<[string, string]> = [
    ['--statsd.cache-size=100000000000000000000', 'at most 16777216'],
    ['--statsd.cache-size=1e20', 'want an integer'],
    ['--statsd.cache-size=16777217', 'at most 16777216'],
    ['--statsd.cache-size=-1', 'must not be negative'],
    ['--statsd.event-queue-size=-5', 'must not be negative'],
    ['--statsd.event-flush-threshold=9007199254740993', 'at most 9007199254740991'],
    ['--statsd.read-buffer=2147483648', 'at most 2147483647'],
    ['--statsd.relay.packet-length=0', 'at least 1'],
    ['--statsd.relay.packet-length=65508', 'at most 65507'],
    ['--statsd.tcp-max-line-length=0', 'at least 1'],
    ['--statsd.max-series-per-metric=20000000', 'at most 16777216'],
    ['--statsd.set-max-values=20000000', 'at most 16777216'],
    ['--statsd.event-flush-interval=0s', 'at least 1ms'],
    ['--statsd.event-flush-interval=0', 'at least 1ms'],
    ['--statsd.event-flush-interval=500us', 'at least 1ms'],
    ['--statsd.event-flush-interval=-1s', 'must not be negative'],
    ['--statsd.event-flush-interval=597h', 'at most 596h31m23.647s'],
    ['--statsd.event-flush-interval=1000h', "Node's timer limit"],
    ['--statsd.tcp-idle-timeout=-5m', 'must not be negative'],
    ['--statsd.tcp-idle-timeout=597h', 'at most 596h31m23.647s'],
    ['--statsd.event-flush-interval=abc', 'want a duration'],
  ];
  test.each(refused)('%s', (arg, expected) => {
    const message = refusal([arg]);
    const name = arg.slice(0, arg.indexOf('='));
    expect(message).toContain(`'${name}'`);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  // [argument, config key, parsed value]
  const accepted: Array<[string, string, number]> = [
    ['--statsd.cache-size=16777216', 'cacheSize', 16_777_216],
    ['--statsd.cache-size=0', 'cacheSize', 0],
    ['--statsd.cache-size=+7', 'cacheSize', 7],
    ['--statsd.read-buffer=2147483647', 'readBuffer', 2 ** 31 - 1],
    ['--statsd.relay.packet-length=65507', 'relayPacketLength', 65_507],
    ['--statsd.event-flush-interval=1ms', 'eventFlushIntervalMs', 1],
    ['--statsd.event-flush-interval=596h31m23.647s', 'eventFlushIntervalMs', MAX_TIMER_MS],
    ['--statsd.tcp-idle-timeout=0', 'tcpIdleTimeoutMs', 0],
    ['--statsd.tcp-idle-timeout=596h', 'tcpIdleTimeoutMs', 596 * 3_600_000],
  ];
  test.each(accepted)('%s is accepted', (arg, key, value) => {
    expect((config([arg]) as unknown as Record<string, number>)[key]).toBe(value);
  });

  test('formatMs writes Go durations', () => {
    expect(formatMs(MAX_TIMER_MS)).toBe('596h31m23.647s');
    expect(formatMs(1)).toBe('1ms');
    expect(formatMs(90_000)).toBe('1m30s');
    expect(formatMs(0)).toBe('0s');
  });

  test('the daemon exits 1 at start with the one-line error, before listening', () => {
    const r = spawnSync(process.execPath, [BIN, '--statsd.event-flush-interval=0s', '--statsd.listen-udp=127.0.0.1:0', '--statsd.listen-tcp=', '--web.listen-address=127.0.0.1:0'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining("statsd-bridge: error: invalid value \"0s\" for flag '--statsd.event-flush-interval': must be at least 1ms")]);
  });
});
