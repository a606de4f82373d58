// The event queue gives up a batch that fails to apply, reports it, and keeps working.
import { EventQueue } from '../../src/ingest/event-queue';
import type { Exporter } from '../../src/exporter/exporter';
import type { StatsdEvent } from '../../src/line/events';

const event = (name: string): StatsdEvent => ({ type: 'counter', name, value: 1, labels: {} });

test('a batch that throws is reported and dropped; the next batch is applied', () => {
  const applied: string[] = [];
  const exporter = {
    handleEvents(events: readonly StatsdEvent[]) {
      if (events.some((e) => e.name === 'poison')) throw new Error('bug');
      for (const e of events) applied.push(e.name);
    },
  } as unknown as Exporter;
  const errors: Array<[string, number]> = [];
  let flushes = 0;
  const queue = new EventQueue(exporter, {
    flushThreshold: 2,
    flushIntervalMs: 0,
    onFlush: () => flushes++,
    onError: (err, size) => errors.push([(err as Error).message, size]),
  });
  queue.pending.push(event('a'), event('poison'));
  queue.added();
  queue.pending.push(event('b'), event('c'));
  queue.added();
  expect(errors).toEqual([['bug', 2]]);
  expect(applied).toEqual(['b', 'c']);
  expect(flushes).toBe(2);
  expect(queue.pending).toHaveLength(0);
});

// Issue 11 row 1: statsd_exporter's ticker flushes and counts every interval, empty or not
// (pkg/event FlushUnlocked), so 2 s without traffic at 200 ms count 10 flushes, not 0.
describe('interval flushes count like statsd_exporter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('every tick counts one flush, empty queue or not; explicit empty flushes do not count', () => {
    const applied: string[] = [];
    const exporter = { handleEvents: (events: readonly StatsdEvent[]) => events.forEach((e) => applied.push(e.name)) } as unknown as Exporter;
    let flushes = 0;
    const queue = new EventQueue(exporter, { flushThreshold: 100, flushIntervalMs: 200, onFlush: () => flushes++, onError: () => {} });
    queue.start();
    jest.advanceTimersByTime(2000);
    expect(flushes).toBe(10);
    expect(applied).toEqual([]);
    queue.pending.push(event('a'));
    queue.added();
    expect(applied).toEqual([]);
    jest.advanceTimersByTime(200);
    expect(flushes).toBe(11);
    expect(applied).toEqual(['a']);
    // A flush asked for by the bridge itself (reload, stop) with nothing pending is not a tick.
    queue.flush();
    expect(flushes).toBe(11);
    queue.stop();
    jest.advanceTimersByTime(1000);
    expect(flushes).toBe(11);
  });
});
