// The text exposition of the bridged series, written without prom-client's per-sample objects.
//
// prom-client's Registry renders a family by asking it for one {labels, value} object per sample
// (histograms: one more object and one label-object copy per bucket) and formatting each one
// through Object.entries, regexes and array joins: for 110k series (240k samples) that is most
// of a scrape's time. Here counters, gauges and histograms write their lines straight from their
// series, each series' label text built once per scrape (and shared by a histogram's bucket,
// _sum and _count lines); summaries and any other vector still go through collect() and are
// formatted as prom-client would. The output is byte for byte what prom-client's
// Registry.metrics() returns for the same families (test/registry/exposition.test.ts checks).
//
// The families stay registered in a prom-client Registry (registration order = output order);
// only metrics() is replaced. Rendering yields to the event loop between families once it has
// run for a while, so a large scrape does not hold up the UDP socket for its whole duration.
import { Registry } from 'prom-client';
import type { Labels } from '../line/events';
import type { SampleValue, SeriesVector } from './types';

/** A vector that writes its own sample lines (counters, gauges, histograms). */
export interface RenderableVector {
  /** Appends one string per sample line (no newline) for the family `name` (already escaped). */
  render(name: string, out: string[]): void;
}

/** What the registered family objects look like (series-registry.ts's Family). */
interface FamilyLike {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly vectors: Map<string, SeriesVector>;
}

/** Time a scrape may run before it yields to the event loop once (then again after as long). */
const YIELD_AFTER_MS = 10;

export class ExpositionRegistry extends Registry {
  override async metrics(): Promise<string> {
    const families = this.getMetricsAsArray() as unknown[];
    const parts: string[] = [];
    let slice = Date.now();
    for (const f of families) {
      if (isFamily(f)) parts.push(await renderFamily(f));
      // Anything else registered here renders the way prom-client renders it.
      else parts.push(await this.getSingleMetricAsString((f as { name: string }).name));
      if (Date.now() - slice >= YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        slice = Date.now();
      }
    }
    return `${parts.join('\n\n')}\n`;
  }
}

function isFamily(f: unknown): f is FamilyLike {
  return typeof f === 'object' && f !== null && (f as FamilyLike).vectors instanceof Map && typeof (f as FamilyLike).name === 'string';
}

async function renderFamily(f: FamilyLike): Promise<string> {
  const name = escapeString(f.name);
  const out: string[] = [`# HELP ${name} ${escapeString(f.help)}`, `# TYPE ${name} ${f.type}`];
  for (const v of f.vectors.values()) {
    const r = v as Partial<RenderableVector> & SeriesVector;
    if (typeof r.render === 'function') {
      r.render(name, out);
    } else {
      const values: SampleValue[] = [];
      await v.collect(values);
      for (const s of values) out.push(`${s.metricName ?? name}${labelText(s.labels ?? {})} ${formatValue(s.value)}`);
    }
  }
  return out.join('\n');
}

/** `{a="x",b="y"}` in the labels' own order, or '' without labels (prom-client's formatLabels). */
export function labelText(labels: Labels | Record<string, string | number>): string {
  let text = '';
  for (const k of Object.keys(labels)) {
    const v = labels[k];
    text += `${text === '' ? '{' : ','}${k}="${typeof v === 'string' ? escapeLabelValue(v) : v}"`;
  }
  return text === '' ? '' : `${text}}`;
}

/**
 * Label text with one more label at the end (a histogram's `le`): `{a="x",le="0.5"}`.
 * `open` is labelText(labels) without its closing brace, or '' for no labels.
 */
export function withLabel(open: string, name: string, value: string): string {
  return `${open === '' ? '{' : `${open},`}${name}="${value}"}`;
}

/** prom-client's value format: `Nan`, `+Inf`, `-Inf`, else JavaScript's number text. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return `${v}`;
}

const NEEDS_ESCAPE = /[\\\n"]/;

/** prom-client's escapeLabelValue: backslash, newline and double quote. */
export function escapeLabelValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** prom-client's escapeString (HELP text and names): backslash and newline. */
export function escapeString(s: string): string {
  if (s.indexOf('\\') === -1 && s.indexOf('\n') === -1) return s;
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
