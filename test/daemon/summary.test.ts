// Summaries end to end: timers and histogram-type lines over UDP into the built daemon, the
// quantiles scraped over HTTP. Expected values: by hand for the short sequence (perks' exact
// rank in the unflushed buffer), and for the long one the numbers a Go reference printed (see
// test/registry/summary.test.ts, "against the Go reference": the same 1200 values).
import StatsD from 'hot-shots';
import { startDaemon, type Daemon } from '../support/daemon';
import { tempFile } from '../support/inprocess';

const MAPPING = `
mappings:
- match: "svc.*.rt"
  observer_type: summary
  name: "svc_rt_seconds"
  labels:
    svc: "$1"
  summary_options:
    quantiles:
    - quantile: 0.99
      error: 0.001
    - quantile: 0.5
      error: 0.05
    - quantile: 0.9
      error: 0.01
`;

describe('daemon: summaries as statsd_exporter computes them', () => {
  let d: Daemon | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  test('a hot-shots timer sequence: exact quantiles, ascending, with _sum and _count', async () => {
    d = await startDaemon({ args: [`--statsd.mapping-config=${tempFile('summary.yml', MAPPING)}`] });
    const client = new StatsD({ host: '127.0.0.1', port: d.udpPort, protocol: 'udp', maxBufferSize: 0 });
    // ms -> seconds: 5, 1, 9, 3, 7, 2, 8, 4, 6.
    for (const ms of [5000, 1000, 9000, 3000, 7000, 2000, 8000, 4000, 6000]) client.timing('svc.api.rt', ms);
    await new Promise<void>((r) => client.close(() => r()));
    const e = await d.eventually((x) => {
      expect(x.value('svc_rt_seconds_count', { svc: 'api' })).toBe(9);
      return x;
    });
    expect(e.families.get('svc_rt_seconds')?.type).toBe('summary');
    expect(e.value('svc_rt_seconds_sum', { svc: 'api' })).toBe(45);
    // Nine values, none flushed into the CKMS list yet: rank ceil(9q)-1 of the sorted values.
    // 0.5 -> ceil(4.5)-1 = 4 -> 5; 0.9 -> ceil(8.1)-1 = 8 -> 9; 0.99 -> ceil(8.91)-1 = 8 -> 9.
    expect(e.value('svc_rt_seconds', { svc: 'api', quantile: '0.5' })).toBe(5);
    expect(e.value('svc_rt_seconds', { svc: 'api', quantile: '0.9' })).toBe(9);
    expect(e.value('svc_rt_seconds', { svc: 'api', quantile: '0.99' })).toBe(9);
    const text = await d.scrapeText();
    const order = text.split('\n').filter((l) => l.startsWith('svc_rt_seconds'));
    expect(order).toEqual([
      'svc_rt_seconds{svc="api",quantile="0.5"} 5',
      'svc_rt_seconds{svc="api",quantile="0.9"} 9',
      'svc_rt_seconds{svc="api",quantile="0.99"} 9',
      'svc_rt_seconds_sum{svc="api"} 45',
      'svc_rt_seconds_count{svc="api"} 9',
    ]);
  });

  test('1200 values through the CKMS merge and compression give the Go reference quantiles', async () => {
    // Scrapes flush the hot buffer into the streams, so one taken halfway (past perks' 500-value
    // buffer) would legitimately change the answer: the event queue hands all 1200 to the
    // registry at once, so every scrape sees none or all of them.
    d = await startDaemon({ args: ['--statsd.event-flush-threshold=1200', '--statsd.event-flush-interval=1h'] });
    let x = 1;
    const values: number[] = [];
    for (let i = 0; i < 1200; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      values.push(((x >>> 16) % 1000) / 10);
    }
    // In order, 50 lines a datagram, each send awaited (one socket: the daemon sees them in order).
    for (let i = 0; i < values.length; i += 50) {
      await d.sendUdp(values.slice(i, i + 50).map((v) => `long.rt:${v}|h`).join('\n'));
    }
    const e = await d.eventually((s) => {
      expect(s.value('long_rt_count')).toBe(1200);
      return s;
    });
    // Unmapped: statsd_exporter's default objectives 0.5/0.05, 0.9/0.01, 0.99/0.001.
    expect(e.value('long_rt_sum')).toBe(58824.10000000006);
    expect(e.value('long_rt', { quantile: '0.5' })).toBe(52);
    expect(e.value('long_rt', { quantile: '0.9' })).toBe(91);
    expect(e.value('long_rt', { quantile: '0.99' })).toBe(98.8);
  });
});
