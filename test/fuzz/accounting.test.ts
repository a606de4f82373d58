// The fuzz oracle itself: it must fail when a line or a sample goes unaccounted for, or the
// fuzz suites would prove nothing.
import type { StatsdEvent } from '../../src/line/events';
import { AccountingError, LineAccountant, datagramPieces, tcpLines } from './accounting';

function account(lines: string[]): LineAccountant {
  const a = new LineAccountant();
  const out: StatsdEvent[] = [];
  for (const l of lines) a.line(Buffer.from(l), out);
  a.checkTotals();
  return a;
}

describe('accounting oracle', () => {
  test('classifies lines and samples', () => {
    const t = account(['', 'ok:1|c', 'bad', 'x:1|c:2|zz', 't:1|ms|@2', 't:1|ms|@0.5', 't:1|ms|@abc']).totals;
    expect(t).toMatchObject({ lines: 7, emptyLines: 1, rejectedLines: 1, linesWithSamples: 5 });
    // x:1|c:2|zz is two samples: one ok, one illegal; @2 gives no copies; @abc is counted and kept.
    expect(t).toMatchObject({ samples: 6, okSamples: 4, rejectedSamples: 1, noCopySamples: 1, events: 5 });
    expect(t.sampleErrors).toMatchObject({ malformed_line: 1, illegal_event: 1, invalid_sample_factor: 1 });
  });

  test('a sample that vanishes (no event, no error, no rate) is caught', () => {
    const a = new LineAccountant();
    const parser = a.parser as unknown as { telemetry: { sample(): void }; parseLineBuffer(b: Buffer, out: StatsdEvent[]): void };
    parser.parseLineBuffer = function (this: typeof parser) {
      this.telemetry.sample();
    };
    expect(() => a.line(Buffer.from('lost:1|c'), [])).toThrow(AccountingError);
  });

  test('a line rejected without a reason is caught', () => {
    const a = new LineAccountant();
    (a.parser as unknown as { parseLineBuffer(): void }).parseLineBuffer = () => {};
    expect(() => a.line(Buffer.from('silently dropped'), [])).toThrow(AccountingError);
  });

  test('framing: datagrams split on \\n only; TCP strips one \\r and skips over-long lines', () => {
    expect(datagramPieces(Buffer.from('a\r\nb\n')).map(String)).toEqual(['a\r', 'b', '']);
    const tcp = tcpLines(Buffer.from(`a\r\n\n${'x'.repeat(20)}\nb\r`), 10);
    expect(tcp.lines.map(String)).toEqual(['a', '', 'b\r']);
    expect(tcp.tooLong).toBe(1);
  });
});
