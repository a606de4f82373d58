// YAML lists of any length load (issue 10 row 5): a list of more than ~125k items used to be
// refused with "Maximum call stack size exceeded" (an argument spread over every item).
import { compile } from './helpers';

const N = 200_000;

describe('long YAML lists', () => {
  it(`${N} buckets, flow and block style`, () => {
    const values = Array.from({ length: N }, (_, i) => i + 1);
    const head = 'mappings:\n- match: "a.b"\n  name: "ab"\n  observer_type: histogram\n  histogram_options:\n    buckets:';
    const flow = compile(`${head} [${values.join(', ')}]\n`);
    expect(flow.mappings[0].histogramOptions.buckets).toHaveLength(N);
    const block = compile(`${head}\n${values.map((v) => `    - ${v}\n`).join('')}`);
    const buckets = block.mappings[0].histogramOptions.buckets;
    expect(buckets).toHaveLength(N);
    expect(buckets[N - 1]).toBe(N);
  });

  it(`${N} rules`, () => {
    const rules: string[] = ['mappings:'];
    for (let i = 0; i < N; i++) rules.push(`- match: "svc${i}.*.requests"`, `  name: "requests_${i}"`);
    const config = compile(rules.join('\n') + '\n');
    expect(config.mappings).toHaveLength(N);
    expect(config.matcher.match(`svc${N - 1}.x.requests`, 'counter')?.name).toBe(`requests_${N - 1}`);
  });
});
