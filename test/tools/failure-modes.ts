import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { parsePromql } from '../../lib/model/promql';
import { FailureMode, failureModeOf } from '../generators/slo-tests';

/** A promtool test group, as far as the coverage check reads it. */
export interface TestGroup {
  name?: string;
  input_series?: { series: string; values: string }[];
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
  promql_expr_test?: { expr: string }[];
}
export interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
}

function containsSelector(node: SyntaxNode): boolean {
  if (node.name === 'VectorSelector') return true;
  for (let c = node.firstChild; c; c = c.nextSibling) if (containsSelector(c)) return true;
  return false;
}

/** Whether the expression divides one series expression by another (a ratio whose denominator may not exist). */
function dividesSeries(expr: string): boolean {
  const tree = parser.parse(expr);
  let found = false;
  tree.iterate({
    enter(ref) {
      if (found || ref.name !== 'BinaryExpr') return;
      const n = ref.node;
      const op = n.getChild('Div');
      if (!op) return;
      const [left, right] = [op.prevSibling, op.nextSibling];
      if (left && right && containsSelector(left) && containsSelector(right)) found = true;
    },
  });
  return found;
}

/**
 * The failure modes an alert must be tested against, from what it reads:
 * a ratio (in its expression or in a recording rule it reads) needs a case
 * where the denominator has no series yet; a recorded value needs a case
 * with a gap; an SLO alert needs a whole-service crash, its page a
 * low-traffic case; every alert of an SLO whose split is checked (it has a
 * `<Slo>SliUnmeasurable` alert) a case where the split vanishes.
 */
function requiredFailureModes(
  rule: AlertRule,
  records: ReadonlyMap<string, readonly string[]>,
  splitChecked: ReadonlySet<string>,
): FailureMode[] {
  const parsed = parsePromql(rule.expr);
  const read = parsed.ok ? parsed.selectors.flatMap((s) => (s.name ? [s.name] : [])) : [];
  const recorded = read.filter((n) => records.has(n));
  const exprs = [rule.expr, ...recorded.flatMap((n) => records.get(n) ?? [])];
  const modes: FailureMode[] = [];
  if (exprs.some(dividesSeries)) modes.push('denominator-absent');
  if (recorded.length > 0) modes.push('gap');
  if (rule.labels?.slo) modes.push('crash');
  if (rule.labels?.slo && rule.labels.severity === 'critical') modes.push('low-traffic');
  if (rule.labels?.slo && splitChecked.has(rule.labels.slo)) modes.push('split-absent');
  return modes;
}

/** "Alert: mode" for every required failure mode no test group named "failure-mode <mode>: ..." covers. */
export function missingFailureModes(
  alerts: readonly AlertRule[],
  records: ReadonlyMap<string, readonly string[]>,
  groups: readonly TestGroup[],
): string[] {
  const covered = new Set<string>();
  for (const g of groups) {
    const mode = failureModeOf(g.name);
    if (!mode) continue;
    for (const t of g.alert_rule_test ?? []) covered.add(`${t.alertname}: ${mode}`);
  }
  const splitChecked = new Set(alerts.filter((a) => a.labels?.slo && a.alert.endsWith('SliUnmeasurable')).map((a) => a.labels!.slo));
  return alerts
    .flatMap((a) => requiredFailureModes(a, records, splitChecked).map((m) => `${a.alert}: ${m}`))
    .filter((k) => !covered.has(k));
}

/** Failure-mode groups whose input cannot show their failure: a crash needs a series that goes stale. */
export function dishonestFailureModes(groups: readonly TestGroup[]): string[] {
  return groups
    .filter((g) => failureModeOf(g.name) === 'crash' && !(g.input_series ?? []).some((s) => /\bstale\b/.test(s.values)))
    .map((g) => g.name ?? '');
}

/**
 * Recording rules that read another recorded value (a baseline over the
 * anomaly's value, the budget over the SLO's event counts) and that no "gap"
 * group evaluates in a promql_expr_test: a gap there is where NaN poisons.
 */
export function recordsMissingGapCase(records: ReadonlyMap<string, readonly string[]>, groups: readonly TestGroup[]): string[] {
  const readsRecorded = (expr: string) => {
    const p = parsePromql(expr);
    return p.ok && p.selectors.some((s) => s.name !== undefined && records.has(s.name));
  };
  const probed = groups.filter((g) => failureModeOf(g.name) === 'gap').flatMap((g) => (g.promql_expr_test ?? []).map((t) => t.expr));
  return [...records.entries()]
    .filter(([, exprs]) => exprs.some(readsRecorded))
    .map(([name]) => name)
    .filter(
      (name) =>
        !probed.some((e) => new RegExp(`(^|[^a-zA-Z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-zA-Z0-9_:]|$)`).test(e)),
    )
    .map((name) => `${name}: gap`);
}
