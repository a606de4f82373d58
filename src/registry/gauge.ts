// Gauge vector: set, or adjust when the StatsD value was relative ("+3", "-2").
import type { Labels } from '../line/events';
import { formatValue, labelText, type RenderableVector } from './exposition';
import type { SampleValue, SeriesMeta, SeriesVector } from './types';

export interface GaugeSeries extends SeriesMeta {
  value: number;
}

export class GaugeVector implements SeriesVector<GaugeSeries>, RenderableVector {
  readonly kind = 'gauge' as const;
  private readonly bySeriesKey = new Map<string, GaugeSeries>();

  find(key: string): GaugeSeries | undefined {
    return this.bySeriesKey.get(key);
  }

  create(key: string, labels: Labels): GaugeSeries {
    const s: GaugeSeries = { key, labels, lastUpdateMs: 0, ttlMs: 0, value: 0 };
    this.bySeriesKey.set(key, s);
    return s;
  }

  update(s: GaugeSeries, value: number, relative: boolean): void {
    s.value = relative ? s.value + value : value;
  }

  remove(s: GaugeSeries): void {
    this.bySeriesKey.delete(s.key);
  }

  get size(): number {
    return this.bySeriesKey.size;
  }

  all(): IterableIterator<GaugeSeries> {
    return this.bySeriesKey.values();
  }

  collect(out: SampleValue[]): void {
    for (const s of this.bySeriesKey.values()) out.push({ value: s.value, labels: s.labels });
  }

  render(name: string, out: string[]): void {
    for (const s of this.bySeriesKey.values()) out.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
}
