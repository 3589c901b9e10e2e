import { parser } from '@prometheus-io/lezer-promql';

/**
 * A query with every recorded series it reads replaced by the expression of
 * its recording rule, recursively: what the query computes from the raw
 * series. The dashboard's panels read recorded series; this gives the raw
 * query each one stands for, so a test can evaluate both and compare them
 * (test/tools/dashboard-query-cost.test.ts).
 *
 * Only a bare recorded name can be inlined: a selector with label matchers, a
 * range (`name[5m]`) or an offset would change meaning once replaced by an
 * expression, so those throw.
 */
export function inlineRecordingRules(expr: string, rules: ReadonlyMap<string, string>, depth = 0): string {
  if (depth > 10) throw new Error(`recording rules nest more than 10 deep in ${expr}`);
  const spans: { from: number; to: number; name: string }[] = [];
  const tree = parser.parse(expr);
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
      if (node.name !== 'VectorSelector') return;
      const ident = node.node.getChild('Identifier');
      const name = ident ? expr.slice(ident.from, ident.to) : undefined;
      if (name === undefined || !rules.has(name)) return;
      const parent = node.node.parent?.name;
      if (node.node.getChild('LabelMatchers') || parent === 'MatrixSelector' || parent === 'OffsetExpr' || parent === 'SubqueryExpr')
        throw new Error(`${name} is read with matchers, a range or an offset in ${expr}: only a bare recorded name can be inlined`);
      spans.push({ from: node.from, to: node.to, name });
    },
  });
  if (error !== undefined) throw new Error(`not valid PromQL near position ${error}: ${expr}`);
  let out = expr;
  for (const s of spans.sort((a, b) => b.from - a.from))
    out = `${out.slice(0, s.from)}(${inlineRecordingRules(rules.get(s.name)!, rules, depth + 1)})${out.slice(s.to)}`;
  return out;
}
