import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';

/** One series selector in a query, with the functions and aggregations around it. */
export interface SelectorUse {
  /** The metric name, from the identifier or a `__name__="..."` matcher. */
  readonly name: string | undefined;
  /** Names of enclosing functions, innermost first (e.g. ["rate", "sum"]). */
  readonly enclosing: readonly string[];
  /** The label matchers, e.g. [{ name: 'le', op: '=', value: '0.5' }]. */
  readonly matchers: readonly { readonly name: string; readonly op: string; readonly value: string }[];
  /** Labels of the `by`/`without` clauses of the aggregations around it. */
  readonly grouping: readonly string[];
}

export type PromqlParse =
  | { readonly ok: true; readonly selectors: readonly SelectorUse[] }
  | { readonly ok: false; readonly position: number; readonly near: string };

/**
 * Grafana replaces these before a query reaches Prometheus; the parser must
 * see something that is valid in their place.
 */
const GRAFANA_DURATIONS = /\$__(rate_interval|interval|range)|\$\{__(rate_interval|interval|range)\}/g;

/** Parses a query with Prometheus' own grammar and lists its selectors. */
export function parsePromql(expr: string, options: { grafana?: boolean } = {}): PromqlParse {
  const text = options.grafana ? expr.replace(GRAFANA_DURATIONS, '5m') : expr;
  if (text.trim() === '') return { ok: false, position: 0, near: '' };
  const tree = parser.parse(text);
  let error: number | undefined;
  const selectors: SelectorUse[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
      if (node.name === 'VectorSelector') {
        selectors.push({
          name: selectorName(node.node, text),
          enclosing: enclosingFunctions(node.node, text),
          matchers: labelMatchers(node.node, text),
          grouping: groupingLabels(node.node, text),
        });
      }
    },
  });
  if (error !== undefined) return { ok: false, position: error, near: text.slice(Math.max(0, error - 20), error + 20) };
  return { ok: true, selectors };
}

function selectorName(node: SyntaxNode, text: string): string | undefined {
  const ident = node.getChild('Identifier');
  if (ident) return text.slice(ident.from, ident.to);
  const matchers = node.getChild('LabelMatchers');
  for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
    const label = m.getChild('LabelName');
    const value = m.getChild('StringLiteral');
    const op = m.getChild('MatchOp');
    if (label && value && op && text.slice(label.from, label.to) === '__name__' && text.slice(op.from, op.to) === '=') {
      return JSON.parse(text.slice(value.from, value.to).replace(/^'(.*)'$/, '"$1"')) as string;
    }
  }
  return undefined;
}

function labelMatchers(node: SyntaxNode, text: string): { name: string; op: string; value: string }[] {
  const out: { name: string; op: string; value: string }[] = [];
  for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
    const label = m.getChild('LabelName');
    const value = m.getChild('StringLiteral');
    const op = m.getChild('MatchOp');
    if (!label || !value || !op) continue;
    const raw = text.slice(value.from, value.to);
    const unquoted = raw.startsWith('`') ? raw.slice(1, -1) : (JSON.parse(raw.replace(/^'(.*)'$/, '"$1"')) as string);
    out.push({ name: text.slice(label.from, label.to), op: text.slice(op.from, op.to), value: unquoted });
  }
  return out;
}

function groupingLabels(node: SyntaxNode, text: string): string[] {
  const labels: string[] = [];
  for (let p = node.parent; p; p = p.parent) {
    if (p.name !== 'AggregateExpr') continue;
    const grouping = p.getChild('AggregateModifier')?.getChild('GroupingLabels');
    for (const l of grouping?.getChildren('LabelName') ?? []) labels.push(text.slice(l.from, l.to));
  }
  return labels;
}

function enclosingFunctions(node: SyntaxNode, text: string): string[] {
  const names: string[] = [];
  for (let p = node.parent; p; p = p.parent) {
    if (p.name === 'FunctionCall') {
      const id = p.getChild('FunctionIdentifier');
      if (id) names.push(text.slice(id.from, id.to));
    } else if (p.name === 'AggregateExpr') {
      const op = p.getChild('AggregateOp');
      if (op) names.push(text.slice(op.from, op.to));
    }
  }
  return names;
}

/** The aggregation operator that wraps the whole query (`sum` for `sum by (a) (x)`), or undefined (`sum(x) * 60`, `(sum(x))`). */
export function outermostAggregation(expr: string): string | undefined {
  const top = parser.parse(expr).topNode.firstChild;
  if (top?.name !== 'AggregateExpr' || top.nextSibling) return undefined;
  const op = top.getChild('AggregateOp');
  return op ? expr.slice(op.from, op.to).toLowerCase() : undefined;
}
