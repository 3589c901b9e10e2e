/**
 * An offline check of a CloudWatch Logs Insights query: no parser of the
 * language is published, so this checks what can be checked without AWS:
 * every command of the pipeline is one of the language's commands, quotes,
 * parentheses and brackets are balanced, and every field the query reads is
 * one the services log (or a discovered `@` field, or an alias the query
 * defined before). Whether a function exists or takes those arguments is
 * left to CloudWatch (UNCONFIRMED offline).
 * @see docs/logs.md#how-the-queries-are-checked
 */

/**
 * The commands of Logs Insights QL: the command table of
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html (read 2026-12-07).
 */
export const INSIGHTS_COMMANDS = [
  'addtotals',
  'anomaly',
  'dedup',
  'diff',
  'display',
  'fields',
  'filter',
  'filterIndex',
  'limit',
  'lookup',
  'parse',
  'pattern',
  'sort',
  'SOURCE',
  'stats',
  'unmask',
  'unnest',
] as const;

const KEYWORDS = new Set(['by', 'as', 'and', 'or', 'not', 'in', 'like', 'asc', 'desc', 'true', 'false', 'null']);

export type InsightsCheck =
  { readonly ok: true; readonly fields: readonly string[] } | { readonly ok: false; readonly problem: string; readonly fix: string };

/** Checks one query; `known` are the fields the services log (logs/queries.yaml `fields`). */
export function checkInsights(query: string, known: ReadonlySet<string>): InsightsCheck {
  const commands = splitCommands(stripComments(query));
  if (typeof commands === 'string') return { ok: false, problem: commands, fix: 'close every quote, parenthesis and bracket' };
  const aliases = new Set<string>();
  const read = new Set<string>();
  for (const command of commands) {
    const name = /^\s*([A-Za-z]+)/.exec(command)?.[1];
    if (!name || !(INSIGHTS_COMMANDS as readonly string[]).includes(name)) {
      return {
        ok: false,
        problem: `has the command ${JSON.stringify(command.trim().split(/\s+/)[0] ?? '')}, which Logs Insights does not know`,
        fix: `start each part between | with one of: ${INSIGHTS_COMMANDS.join(', ')}`,
      };
    }
    const body = command.slice(command.indexOf(name) + name.length);
    const { refs, defined } = identifiers(body, name === 'parse');
    for (const ref of refs) {
      if (ref.startsWith('@') || known.has(ref) || aliases.has(ref) || known.has(ref.split('.')[0])) continue;
      if (name === 'SOURCE' || name === 'lookup') continue;
      return {
        ok: false,
        problem: `reads the field ${JSON.stringify(ref)}, which the services do not log`,
        fix: `use one of the fields of logs/queries.yaml (${[...known].join(', ')}), an @ field, or add the field there if the services log it`,
      };
    }
    for (const ref of refs) read.add(ref);
    for (const d of defined) aliases.add(d);
  }
  return { ok: true, fields: [...read] };
}

function stripComments(query: string): string {
  return query
    .split('\n')
    .map((line) => {
      let quote: string | undefined;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
          if (c === '\\') i++;
          else if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'" || c === '`') quote = c;
        else if (c === '#') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

/** The pipeline's commands, split on `|` outside strings, regexes and brackets; or what is unbalanced. */
function splitCommands(query: string): string[] | string {
  const out: string[] = [];
  const stack: string[] = [];
  let quote: string | undefined;
  let start = 0;
  const pairs: Record<string, string> = { '(': ')', '[': ']' };
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    // A regex literal follows `like`, `=~` or a comparison: /.../.
    else if (c === '/' && /(like|=~|[=(,])\s*$/.test(query.slice(0, i))) quote = '/';
    else if (c in pairs) stack.push(pairs[c]);
    else if (c === ')' || c === ']') {
      if (stack.pop() !== c) return `has an unmatched ${JSON.stringify(c)} at character ${i + 1}`;
    } else if (c === '|' && stack.length === 0) {
      out.push(query.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) return `has an unclosed ${quote === '/' ? 'regular expression' : 'string'}`;
  if (stack.length > 0) return `has an unclosed ${stack[stack.length - 1] === ')' ? '(' : '['}`;
  out.push(query.slice(start));
  return out.filter((c) => c.trim() !== '');
}

/** Field references of one command's arguments, and the names it defines (`as x`, or parse's `as a, b`). */
function identifiers(body: string, parse: boolean): { refs: string[]; defined: string[] } {
  // Strings and regexes say nothing about fields.
  const text = body.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`|\/(?:\\.|[^/\\])+\//g, ' "" ');
  const tokens = [...text.matchAll(/@?[A-Za-z_][\w.]*|\d[\w.]*|[(),*=<>!+\-/]+/g)].map((m) => ({ t: m[0], at: m.index }));
  const refs: string[] = [];
  const defined: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { t } = tokens[i];
    if (!/^@?[A-Za-z_]/.test(t)) continue;
    const next = tokens[i + 1]?.t;
    const prev = tokens[i - 1]?.t;
    if (next?.startsWith('(')) continue; // a function
    if (KEYWORDS.has(t.toLowerCase())) continue;
    if (prev?.toLowerCase() === 'as' || (parse && defined.length > 0 && prev === ',')) {
      defined.push(t);
      continue;
    }
    refs.push(t);
  }
  return { refs, defined };
}
