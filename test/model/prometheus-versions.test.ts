/**
 * The rule files run on two Prometheus engines: AMP, whose engine version is
 * not published (it may still be a 2.x), and the local stack's Prometheus
 * 3.14.0, which is also the engine of promtool's unit tests (`npm run
 * test:tools`, built by tools/build.sh); no 2.x engine runs here. What changed
 * in 3.0 (prometheus/prometheus@v3.14.0:docs/migration.md, "PromQL"): regex
 * `.` matches newlines, range selectors and lookback are left-open (one sample
 * fewer when a sample sits on the left boundary, which breaks windows holding
 * only two samples, typically subqueries with range = step), and holt_winters
 * is gone. These tests keep the rule files inside the part of PromQL that
 * means the same on 2.x and 3.x, so a 2.x AMP reads them as 3.14 does.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { compile } from '../../lib/compile/compile';
import { baseFiles, environmentOf } from '../helpers';

const model = compile(baseFiles, 'local');
const scrapeSeconds = Math.max(...['local', 'dev', 'staging', 'prod'].map((e) => environmentOf(e).scrapeIntervalSeconds));
const rules = model.ruleFiles.flatMap((f) =>
  f.groups.flatMap((g) => g.rules.map((r) => ({ file: f.name, name: r.alert ?? r.record, expr: r.expr }))),
);

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * UNITS[unit];
  return total;
}

interface Windows {
  ranges: number[];
  subqueries: { range: number; step: number }[];
  errors: number;
}
function windows(expr: string): Windows {
  const out: Windows = { ranges: [], subqueries: [], errors: 0 };
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) out.errors++;
      if (node.name === 'MatrixSelector') {
        const d = node.node.getChild('DurationExpr');
        if (d) out.ranges.push(seconds(text(d)));
      }
      if (node.name === 'SubqueryExpr') {
        const [range, step] = node.node.getChildren('DurationExpr').map((d) => seconds(text(d)));
        out.subqueries.push({ range, step: step ?? scrapeSeconds });
      }
    },
  });
  return out;
}

describe('rule files mean the same on Prometheus 2.x, 3.x and AMP', () => {
  test('there are rules to check', () => {
    expect(rules.length).toBeGreaterThan(20);
  });

  test("every expression parses with Prometheus 3's grammar (@prometheus-io/lezer-promql 0.315): no holt_winters or other removed syntax", () => {
    const bad = rules.filter((r) => windows(r.expr).errors > 0).map((r) => `${r.file}/${r.name}`);
    expect(bad).toEqual([]);
    expect(windows('holt_winters(x[1h], 0.5, 0.5)').errors).toBeGreaterThan(0); // the check can fail
  });

  test(`every range holds at least two samples even left-open (range >= 2 x the longest scrape interval, ${scrapeSeconds} s)`, () => {
    const short = rules.flatMap((r) =>
      windows(r.expr)
        .ranges.filter((s) => s < 2 * scrapeSeconds)
        .map((s) => `${r.file}/${r.name}: ${s}s`),
    );
    expect(short).toEqual([]);
    expect(windows('rate(x[15s])').ranges).toEqual([15]);
  });

  test('every subquery spans at least two steps (range = step returns one point on 3.x)', () => {
    const tight = rules.flatMap((r) =>
      windows(r.expr)
        .subqueries.filter((q) => q.range < 2 * q.step)
        .map((q) => `${r.file}/${r.name}: [${q.range}s:${q.step}s]`),
    );
    expect(tight).toEqual([]);
    expect(windows('max_over_time(rate(x[5m])[1m:1m])').subqueries).toEqual([{ range: 60, step: 60 }]);
  });
});
