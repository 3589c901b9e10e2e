import { parser } from '@grafana/lezer-logql';

/**
 * Grafana replaces these before a query reaches Loki; the parser must see a
 * duration in their place (Grafana's Loki data source interpolates them).
 */
const GRAFANA_DURATIONS = /\$__(auto|interval|range|rate_interval)|\$\{__(auto|interval|range|rate_interval)\}/g;

export type LogqlParse =
  | {
      readonly ok: true;
      /** Stream selector matchers, e.g. [{ name: 'service_name', op: '=~', value: '$service' }]. */
      readonly streamMatchers: readonly { readonly name: string; readonly op: string; readonly value: string }[];
      /** Label names the query filters on, groups by or extracts after a parser stage (`| json | event="x"`). */
      readonly labels: readonly string[];
      /** Whether a `| json` (or logfmt) stage parses the line. */
      readonly parsesLine: boolean;
      /** A metric query (count_over_time, sum by ...), as opposed to a log query. */
      readonly metric: boolean;
    }
  | { readonly ok: false; readonly position: number; readonly near: string };

/**
 * Parses a LogQL query with the grammar Grafana's Loki query editor uses
 * (@grafana/lezer-logql, Apache-2.0; Loki's own Go parser is AGPL and is not
 * used here) and lists what it selects and filters on.
 * @see docs/logs.md#how-the-queries-are-checked
 */
export function parseLogql(query: string): LogqlParse {
  const text = query.replace(GRAFANA_DURATIONS, '5m').trim();
  if (text === '') return { ok: false, position: 0, near: '' };
  const tree = parser.parse(text);
  let error: number | undefined;
  const streamMatchers: { name: string; op: string; value: string }[] = [];
  const labels = new Set<string>();
  let parsesLine = false;
  let metric = false;
  const slice = (from: number, to: number) => text.slice(from, to);
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === undefined) error = node.from;
      switch (node.name) {
        case 'MetricExpr':
          metric = true;
          break;
        case 'Json':
        case 'Logfmt':
          parsesLine = true;
          break;
        case 'Matcher': {
          const ident = node.node.getChild('Identifier');
          const value = node.node.getChild('String');
          const op = node.node.firstChild?.nextSibling;
          if (!ident || !value || !op) break;
          const name = slice(ident.from, ident.to);
          if (node.node.parent?.name === 'Matchers') {
            streamMatchers.push({ name, op: slice(op.from, op.to), value: unquote(slice(value.from, value.to)) });
          } else labels.add(name);
          break;
        }
        case 'NumberFilter':
        case 'DurationFilter':
        case 'BytesFilter':
        case 'Labels':
        case 'GroupingLabel': {
          for (let c = node.node.firstChild; c; c = c.nextSibling)
            if (c.name === 'Identifier' || c.name === 'LabelName') labels.add(slice(c.from, c.to));
          break;
        }
      }
    },
  });
  if (error !== undefined) return { ok: false, position: error, near: text.slice(Math.max(0, error - 20), error + 20) };
  return { ok: true, streamMatchers, labels: [...labels], parsesLine, metric };
}

function unquote(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  if (s.startsWith("'")) return s.slice(1, -1);
  return JSON.parse(s) as string;
}
