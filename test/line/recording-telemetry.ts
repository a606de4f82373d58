// A LineTelemetry that counts what the parser reports, for assertions.
import type { LineTelemetry, SampleErrorReason } from '../../src/line/events';

export interface TelemetryCounts {
  samples: number;
  /** Only reasons that occurred, each with its count. */
  sampleErrors: Partial<Record<SampleErrorReason, number>>;
  tags: number;
  tagErrors: number;
}

export class RecordingTelemetry implements LineTelemetry {
  readonly counts: TelemetryCounts = { samples: 0, sampleErrors: {}, tags: 0, tagErrors: 0 };
  /** Every sample error as reported, in order. */
  readonly errors: Array<{ reason: SampleErrorReason; line: string; detail: string }> = [];

  sample(): void {
    this.counts.samples++;
  }

  sampleError(reason: SampleErrorReason, line: string, detail: string): void {
    this.counts.sampleErrors[reason] = (this.counts.sampleErrors[reason] ?? 0) + 1;
    this.errors.push({ reason, line, detail });
  }

  tagsPresent(): void {
    this.counts.tags++;
  }

  tagError(): void {
    this.counts.tagErrors++;
  }
}
