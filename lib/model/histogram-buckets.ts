import { UserInputError } from '../errors';
import { DashboardFile } from './dashboards';
import { leValue, MetricCatalog } from './metric-catalog';
import { parsePromql } from './promql';
import { RuleFile } from './rule-files';
import { SLO_FILE, SloSet } from './slos';

/**
 * A `le` matcher on a histogram's `_bucket` series selects one boundary by
 * its text: a value the histogram does not produce selects nothing, and the
 * expression (an SLI, an alert, a panel) is silently empty. Synth refuses
 * an SLO latency threshold and every `le` matcher (in rules and dashboards)
 * that is not one of the boundaries the catalog declares for that histogram.
 */
export function checkSloThresholds(catalog: MetricCatalog, slos: SloSet): void {
  for (const slo of slos.slos) {
    if (!('histogram' in slo.sli)) continue;
    const where = `slo "${slo.name}", sli.thresholdSeconds`;
    const h = catalog.get(slo.sli.histogram);
    if (h?.type !== 'histogram') {
      throw UserInputError.of({
        file: SLO_FILE,
        where: `slo "${slo.name}", sli.histogram`,
        problem: 'is not a histogram of the catalog',
        value: slo.sli.histogram,
        fix: 'name a histogram listed in catalog/metrics.yaml (without _bucket)',
      });
    }
    if (!h.buckets!.includes(slo.sli.thresholdSeconds)) {
      throw UserInputError.of({
        file: SLO_FILE,
        where,
        problem: `is not a bucket boundary of ${h.name}, so its SLI would select no series`,
        value: slo.sli.thresholdSeconds,
        fix: `use one of ${h.buckets!.join(', ')} (catalog/metrics.yaml), or change the histogram's boundaries in its instrumentation and the catalog`,
      });
    }
  }
}

/** Every `le` matcher on a catalog histogram's `_bucket` series, in rules and dashboards, names a declared boundary. */
export function checkLeMatchers(catalog: MetricCatalog, ruleFiles: readonly RuleFile[], dashboards: readonly DashboardFile[]): void {
  for (const f of ruleFiles) {
    for (const g of f.groups) {
      for (const r of g.rules) {
        const where = `group "${g.name}", ${r.alert ? `alert "${r.alert}"` : `record "${r.record}"`}, expr`;
        checkExpr(catalog, r.expr, false, (problem, value, fix) => UserInputError.of({ file: f.file, where, problem, value, fix }));
      }
    }
  }
  for (const d of dashboards) {
    for (const p of d.panels) {
      const where = `panel "${p.title}"${p.id !== undefined ? ` (id ${p.id})` : ''}`;
      for (const q of p.queries) {
        checkExpr(catalog, q, true, (problem, value, fix) => UserInputError.of({ file: d.file, where, problem, value, fix }));
      }
    }
  }
}

function checkExpr(
  catalog: MetricCatalog,
  expr: string,
  grafana: boolean,
  error: (problem: string, value: string, fix: string) => UserInputError,
): void {
  const parse = parsePromql(expr, { grafana });
  if (!parse.ok) return; // reported by the rule and dashboard linters
  for (const sel of parse.selectors) {
    const kind = sel.name ? catalog.resolve(sel.name) : undefined;
    if (kind?.kind !== 'metric' || kind.suffix !== 'bucket') continue;
    const bounds = [...kind.metric.buckets!.map(leValue), '+Inf'];
    for (const m of sel.matchers.filter((x) => x.name === 'le')) {
      // Grafana variables are resolved by Grafana: nothing to check here.
      if (grafana && m.value.includes('$')) continue;
      const ok =
        m.op === '=' || m.op === '!='
          ? bounds.includes(m.value)
          : (() => {
              try {
                const re = new RegExp(`^(?:${m.value})$`);
                return bounds.some((b) => re.test(b));
              } catch {
                return true; // an invalid regular expression is PromQL's error, reported elsewhere
              }
            })();
      if (!ok) {
        throw error(
          `matches le${m.op}"${m.value}", which is not a bucket boundary of ${kind.metric.name}, so it selects no series`,
          m.value,
          `use one of ${bounds.join(', ')} (catalog/metrics.yaml)`,
        );
      }
    }
  }
}
