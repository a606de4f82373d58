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
