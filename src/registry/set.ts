// StatsD sets (`name:member|s`, statsd_exporter #183), an extension behind
// --statsd.enable-sets: each series counts the distinct members seen since the previous scrape
// and is exposed as a gauge. Collecting the vector (a scrape of /metrics) reports the count and
// empties the set, so the value is "distinct members over the last scrape interval".
//
// With several scrapers, each scrape resets the sets: every scraper sees only the members since
// whichever scrape came last. Scrape a bridge with sets from one Prometheus (or use a recording
// rule over one of them).
import type { Labels } from '../line/events';
import type { SampleValue, SeriesMeta, SeriesVector } from './types';

/** Default bound on the distinct members one series holds between two scrapes. */
export const DEFAULT_MAX_SET_VALUES = 100_000;

export interface SetSeries extends SeriesMeta {
  members: Set<string>;
}

export class SetVector implements SeriesVector<SetSeries> {
  readonly kind = 'set' as const;
  private readonly bySeriesKey = new Map<string, SetSeries>();

  /**
   * @param maxValues distinct members kept per series between scrapes (0 = no bound); past it
   *   new members are not added (the gauge then reads the bound) and `onOverflow` is called.
   */
  constructor(
    private readonly maxValues: number = DEFAULT_MAX_SET_VALUES,
    private readonly onOverflow: () => void = () => {},
  ) {}

  find(key: string): SetSeries | undefined {
    return this.bySeriesKey.get(key);
  }

  create(key: string, labels: Labels): SetSeries {
    const s: SetSeries = { key, labels, lastUpdateMs: 0, ttlMs: 0, members: new Set() };
    this.bySeriesKey.set(key, s);
    return s;
  }

  /** Sets take members through add(); a numeric update adds the number's text. */
  update(s: SetSeries, value: number): void {
    this.add(s, String(value));
  }

  /** Adds a member; returns false when the series is full and the member was not added. */
  add(s: SetSeries, member: string): boolean {
    const members = s.members;
    if (this.maxValues > 0 && members.size >= this.maxValues && !members.has(member)) {
      this.onOverflow();
      return false;
    }
    members.add(member);
    return true;
  }

  remove(s: SetSeries): void {
    this.bySeriesKey.delete(s.key);
  }

  get size(): number {
    return this.bySeriesKey.size;
  }

  all(): IterableIterator<SetSeries> {
    return this.bySeriesKey.values();
  }

  /** Reports each series' distinct count and starts the next interval. */
  collect(out: SampleValue[]): void {
    for (const s of this.bySeriesKey.values()) {
      out.push({ value: s.members.size, labels: s.labels });
      s.members = new Set();
    }
  }
}
