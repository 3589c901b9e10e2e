import { parsePromql } from '../../lib/model/promql';

describe('parsePromql', () => {
  test('lists selectors with the functions around them, innermost first', () => {
    const r = parsePromql('histogram_quantile(0.95, sum by (le) (rate(x_bucket{job="a"}[5m])))');
    expect(r).toEqual({
      ok: true,
      selectors: [
        {
          name: 'x_bucket',
          enclosing: ['rate', 'sum', 'histogram_quantile'],
          matchers: [{ name: 'job', op: '=', value: 'a' }],
          grouping: ['le'],
        },
      ],
    });
  });

  test('lists label matchers with their operator and unquoted value', () => {
    const r = parsePromql(`x_bucket{le="0.5", job=~'a|b', code!=\`5xx\`}`);
    expect(r.ok && r.selectors[0].matchers).toEqual([
      { name: 'le', op: '=', value: '0.5' },
      { name: 'job', op: '=~', value: 'a|b' },
      { name: 'code', op: '!=', value: '5xx' },
    ]);
  });

  test('reads the metric name from a __name__ matcher', () => {
    const r = parsePromql('{__name__="up", job="backend"} == 0');
    expect(r.ok && r.selectors.map((s) => s.name)).toEqual(['up']);
  });

  test('accepts Grafana interval variables when asked to', () => {
    expect(parsePromql('rate(x_total[$__rate_interval])', { grafana: true }).ok).toBe(true);
    expect(parsePromql('rate(x_total[$__rate_interval])').ok).toBe(false);
  });

  test.each(['rate(x[5m]', 'sum(up) >', 'up{job="a"', '', 'sum by job (up)'])('fails when the query is not PromQL: %p', (q) => {
    expect(parsePromql(q).ok).toBe(false);
  });
});
