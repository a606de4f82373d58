// The events the line parser produces and every later stage consumes.
// Labels are plain objects: tag key (already escaped) -> tag value (unchanged).
export type Labels = Record<string, string>;

export interface CounterEvent {
  type: 'counter';
  name: string;
  value: number;
  labels: Labels;
}

export interface GaugeEvent {
  type: 'gauge';
  name: string;
  value: number;
  /** true when the value had a leading '+' or '-': the gauge is adjusted, not set. */
  relative: boolean;
  labels: Labels;
}

export interface ObserverEvent {
  type: 'observer';
  name: string;
  /** Timers ('ms') are already converted to seconds. */
  value: number;
  labels: Labels;
}

/**
 * A StatsD set member (`name:value|s`), produced only when sets are enabled
 * (`--statsd.enable-sets`; upstream rejects sets). The value is the member as written.
 */
export interface SetEvent {
  type: 'set';
  name: string;
  value: string;
  labels: Labels;
}

export type StatsdEvent = CounterEvent | GaugeEvent | ObserverEvent | SetEvent;
/**
 * The types mappings know (`match_metric_type`). A set event is looked up as a gauge (it is
 * exposed as one), so mapping files stay valid for statsd_exporter.
 */
export type EventType = 'counter' | 'gauge' | 'observer';

/** statsd_exporter's fixed set of `statsd_exporter_sample_errors_total{reason}` values. */
export const SAMPLE_ERROR_REASONS = [
  'malformed_line',
  'mixed_tagging_styles',
  'not_enough_parts_after_colon',
  'invalid_extended_aggregate_type',
  'malformed_component',
  'malformed_value',
  'invalid_sample_factor',
  'malformed_container_id',
  'illegal_event',
] as const;
export type SampleErrorReason = (typeof SAMPLE_ERROR_REASONS)[number];

/**
 * What the parser reports besides events. The daemon backs it with the self-metrics
 * (samples_total, sample_errors_total{reason}, tags_total, tag_errors_total) and a
 * rate-limited debug log; tests back it with plain counters.
 */
export interface LineTelemetry {
  sample(): void;
  sampleError(reason: SampleErrorReason, line: string, detail: string): void;
  tagsPresent(): void;
  tagError(line: string, detail: string): void;
}

export const NOOP_LINE_TELEMETRY: LineTelemetry = Object.freeze({
  sample() {},
  sampleError() {},
  tagsPresent() {},
  tagError() {},
});
