// The strict exposition check every scrape in the suite goes through (test/support/exposition-check.ts):
// it must accept what Prometheus accepts from the bridge and refuse what Prometheus (or
// client_golang's gather, i.e. statsd_exporter's HTTP 500) refuses.
import { checkExposition, checkScrapeReply } from '../support/exposition-check';
import zlib from 'node:zlib';

const page = (...lines: string[]) => lines.join('\n') + '\n';

const valid = page(
  '# HELP c Counter.',
  '# TYPE c counter',
  'c{a="x\\"y\\\\z\\n"} 1',
  'c 2',
  '# HELP s Summary.',
  '# TYPE s summary',
  's{quantile="0.5"} NaN',
  's_sum +Inf',
  's_count 1',
  '# HELP h Histogram.',
  '# TYPE h histogram',
  'h_bucket{le="0.5"} 0',
  'h_bucket{le="+Inf"} 1',
  'h_sum 1e+06',
  'h_count 1',
  '# HELP c_count A counter next to a counter c is fine.',
  '# TYPE c_count gauge',
  'c_count 1',
  '# HELP s_bucket A gauge s_bucket next to a summary s is fine for client_golang.',
  '# TYPE s_bucket gauge',
  's_bucket -1.5',
);

test('a valid page passes and its families and series are counted', () => {
  const r = checkExposition(valid);
  expect(r.samples).toBe(11);
  expect([...r.families.keys()]).toEqual(['c', 's', 'h', 'c_count', 's_bucket']);
  expect(r.families.get('h')!.series.size).toBe(1);
  expect(r.families.get('c')!.series.size).toBe(2);
});

const invalid: Array<[string, string, RegExp]> = [
  ['second HELP line (summary sx, then a family sx_count)', page('# HELP sx h', '# TYPE sx summary', 'sx_sum 1', 'sx_count 1', '# HELP sx h', '# TYPE sx gauge'), /second HELP|comes back|after its samples/],
  ['suffix collision: histogram sx_count after summary sx', page('# HELP sx h', '# TYPE sx summary', 'sx_sum 1', 'sx_count 1', '# HELP sx_count h', '# TYPE sx_count histogram', 'sx_count_bucket{le="+Inf"} 1', 'sx_count_sum 1', 'sx_count_count 1'), /collides with summary sx/],
  ['suffix collision: summary hs_sum after histogram hs', page('# HELP hs h', '# TYPE hs histogram', 'hs_bucket{le="+Inf"} 1', 'hs_sum 1', 'hs_count 1', '# HELP hs_sum h', '# TYPE hs_sum summary', 'hs_sum_sum 1', 'hs_sum_count 1'), /collides with histogram hs/],
  ['suffix collision, reverse order: counter x_count before summary x', page('# HELP x_count h', '# TYPE x_count counter', 'x_count 1', '# HELP x h', '# TYPE x summary', 'x_sum 1', 'x_count 1'), /collides|duplicate|outside/],
  ['second TYPE', page('# TYPE a gauge', '# TYPE a counter', 'a 1'), /second TYPE/],
  ['HELP after samples', page('# TYPE a gauge', 'a 1', '# HELP a late'), /after its samples/],
  ['one family per name: a name comes back', page('# TYPE a gauge', 'a 1', '# TYPE b gauge', 'b 1', '# TYPE a gauge', 'a{x="1"} 1'), /comes back|second TYPE/],
  ['sample outside its family', page('# TYPE a gauge', 'a 1', 'b 1'), /outside its family/],
  ['sample after the HELP of another family', page('# TYPE a gauge', '# HELP b h', 'a 1'), /HELP of another family/],
  ['empty metric name', page('# TYPE a gauge', '{x="1"} 1'), /invalid metric name/],
  ['reserved label name', page('# TYPE a gauge', 'a{__x="1"} 1'), /reserved label/],
  ['bad label name', page('# TYPE a gauge', 'a{1x="1"} 1'), /invalid label name/],
  ['unquoted label value', page('# TYPE a gauge', 'a{x=1} 1'), /not quoted/],
  ['bad escape in a label value', page('# TYPE a gauge', 'a{x="\\t"} 1'), /bad escape/],
  ['duplicate label', page('# TYPE a gauge', 'a{x="1",x="2"} 1'), /duplicate label/],
  ['duplicate series', page('# TYPE a gauge', 'a{x="1"} 1', 'a{x="1"} 2'), /duplicate series/],
  ['bad value', page('# TYPE a gauge', 'a 1,5'), /bad value/],
  ['bucket without le', page('# TYPE h histogram', 'h_bucket 1'), /without le/],
  ['non-numeric quantile', page('# TYPE s summary', 's{quantile="x"} 1'), /not a number/],
  ['unknown type', page('# TYPE a timer', 'a 1'), /unknown type/],
  ['no final newline', '# TYPE a gauge\na 1', /newline/],
];

test.each(invalid)('refused: %s', (_name, text, why) => {
  expect(() => checkExposition(text)).toThrow(why);
});

test('checkScrapeReply checks pages only, gzipped or not', () => {
  const type = { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' };
  const broken = page('# TYPE a gauge', 'a 1', 'a 1');
  expect(checkScrapeReply(200, type, Buffer.from(valid))).toBe(valid);
  expect(() => checkScrapeReply(200, type, Buffer.from(broken))).toThrow(/duplicate series/);
  expect(() => checkScrapeReply(200, { ...type, 'content-encoding': 'gzip' }, zlib.gzipSync(broken))).toThrow(/duplicate series/);
  // Not a page: health text, the landing page, an error status.
  expect(checkScrapeReply(200, { 'content-type': 'text/plain; charset=utf-8' }, 'Statsd Exporter is Healthy.\n')).toBeNull();
  expect(checkScrapeReply(500, type, broken)).toBeNull();
});
