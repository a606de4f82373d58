// anything-llm's own health, sent on the heartbeat: memory, event loop, handles, CPU, GC and
// the start time (a restart is a new start time). Named as prom-client's default metrics are,
// under the emitter's prefix, with an `app_instance` tag so replicas stay apart.
// Sampled, not traced: one call per heartbeat reads counters Node keeps anyway, so the cost to
// the app is a few microseconds every 30 s.
import * as os from 'node:os';
import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { EmitterCore } from './core';
import { slug } from './labels';

/** An instance label value: STATSD_BRIDGE_INSTANCE, else the host name (a container's id), bounded. */
export function instanceLabel(explicit: string | undefined): string {
  const raw = explicit && explicit.trim() !== '' ? explicit : os.hostname();
  return slug(raw).slice(0, 63) || 'unknown';
}

export class RuntimeSampler {
  private readonly delay: IntervalHistogram;
  private elu: EventLoopUtilization;
  private cpu = process.cpuUsage();
  private gcMs = 0;
  private readonly gc: PerformanceObserver | null;
  private readonly tags: Record<string, string>;
  private readonly startTimeSeconds: number;

  constructor(
    private readonly core: EmitterCore,
    instance: string,
  ) {
    this.tags = { app_instance: instance };
    // When the process started, not when the preload ran (the same thing for --require).
    this.startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 10) / 100;
    this.delay = monitorEventLoopDelay({ resolution: 20 });
    this.delay.enable();
    this.elu = performance.eventLoopUtilization();
    let gc: PerformanceObserver | null = null;
    try {
      gc = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) this.gcMs += e.duration;
      });
      gc.observe({ entryTypes: ['gc'] });
    } catch {
      gc = null; // no gc entries on this runtime: the GC metric stays absent
    }
    this.gc = gc;
  }

  /** One sample: gauges for the levels, counters for what accumulated since the last sample. */
  sample(): void {
    const t = this.tags;
    const mem = process.memoryUsage();
    this.core.gauge('processResidentMemory', mem.rss, t);
    this.core.gauge('heapUsed', mem.heapUsed, t);
    this.core.gauge('heapTotal', mem.heapTotal, t);
    this.core.gauge('externalMemory', mem.external, t);
    this.core.gauge('arrayBuffers', mem.arrayBuffers, t);
    // monitorEventLoopDelay reports nanoseconds; a fresh window per sample.
    if (this.delay.count > 0) {
      this.core.gauge('eventLoopLag', this.delay.mean / 1e9, t);
      this.core.gauge('eventLoopLagP99', this.delay.percentile(99) / 1e9, t);
    }
    this.delay.reset();
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    this.core.gauge('eventLoopUtilization', Math.round(elu.utilization * 1e4) / 1e4, t);
    const resources = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.();
    if (resources) this.core.gauge('activeHandles', resources.length, t);
    const cpu = process.cpuUsage(this.cpu);
    this.cpu = process.cpuUsage();
    this.core.count('processCpuSeconds', (cpu.user + cpu.system) / 1e6, t);
    if (this.gcMs > 0) {
      this.core.count('gcPauseSeconds', this.gcMs / 1000, t);
      this.gcMs = 0;
    }
    this.core.gauge('processStartTime', this.startTimeSeconds, t);
  }

  stop(): void {
    this.delay.disable();
    this.gc?.disconnect();
  }
}
