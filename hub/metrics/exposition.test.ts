import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from './exposition.js';

const GOOD = `# HELP a_total things
# TYPE a_total counter
a_total{gateway="gw-1",note="say \\"hi\\"\\n"} 3
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="+Inf"} 2
h_sum 0.3
h_count 2
# TYPE g gauge
g Nan
g{x="1"} -Inf
`;

describe('strict exposition reader', () => {
  it('reads families, labels with escapes and special values', () => {
    const m = parseExposition(GOOD);
    expect(m.get('a_total')).toMatchObject({ type: 'counter', help: 'things' });
    expect(sampleValue(m, 'a_total', { note: 'say "hi"\n' })).toBe(3);
    expect(sampleValue(m, 'h_count')).toBe(2);
    expect(sampleValue(m, 'g')).toBeNaN();
    expect(sampleValue(m, 'g', { x: '1' })).toBe(-Infinity);
  });

  it.each([
    ['a sample of no declared family', 'x 1\n', /belongs to no declared family/],
    ['a repeated series', '# TYPE g gauge\ng 1\ng 2\n', /repeated/],
    ['a bad value', '# TYPE g gauge\ng one\n', /not a sample value/],
    ['an unquoted label', '# TYPE g gauge\ng{a=1} 1\n', /not quoted/],
    ['a bad escape', '# TYPE g gauge\ng{a="\\t"} 1\n', /bad escape/],
    ['buckets not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n', /not cumulative/],
    ['+Inf differing from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n', /differs from _count/],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_count 2\n', /no le="\+Inf"/],
    ['no final newline', '# TYPE g gauge\ng 1', /end with a newline/],
    ['a bad type', '# TYPE g meter\n', /bad type/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseExposition(text)).toThrow(message);
  });
});
