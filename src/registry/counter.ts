// Counter vector: one float per series. Written by hand rather than with prom-client's Counter
// because statsd_exporter accepts +Inf increments (prom-client throws on them) and because a
// series handle lets the hot path skip prom-client's per-call label hashing.
import type { Labels } from '../line/events';
import { formatValue, labelText, type RenderableVector } from './exposition';
import type { SampleValue, SeriesMeta, SeriesVector } from './types';

export interface CounterSeries extends SeriesMeta {
  value: number;
}

export class CounterVector implements SeriesVector<CounterSeries>, RenderableVector {
  readonly kind = 'counter' as const;
  private readonly bySeriesKey = new Map<string, CounterSeries>();

  find(key: string): CounterSeries | undefined {
    return this.bySeriesKey.get(key);
  }

  create(key: string, labels: Labels): CounterSeries {
    const s: CounterSeries = { key, labels, lastUpdateMs: 0, ttlMs: 0, value: 0 };
    this.bySeriesKey.set(key, s);
    return s;
  }

  update(s: CounterSeries, value: number): void {
    s.value += value;
  }

  remove(s: CounterSeries): void {
    this.bySeriesKey.delete(s.key);
  }

  get size(): number {
    return this.bySeriesKey.size;
  }

  all(): IterableIterator<CounterSeries> {
    return this.bySeriesKey.values();
  }

  collect(out: SampleValue[]): void {
    for (const s of this.bySeriesKey.values()) out.push({ value: s.value, labels: s.labels });
  }

  render(name: string, out: string[]): void {
    for (const s of this.bySeriesKey.values()) out.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
}
