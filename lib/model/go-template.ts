/**
 * A parse-only checker for Go text/template, the language of Prometheus alert
 * labels/annotations and Alertmanager notification templates. No npm library
 * parses Go templates; this follows Go's text/template/parse (lex.go and
 * parse.go) closely enough to refuse what Prometheus' and Alertmanager's
 * parse step refuses: unclosed actions and strings, unbalanced
 * if/range/with/define/block ... end, `else` outside them, empty commands and
 * pipelines, unknown functions and undeclared variables. It does not execute
 * anything. Its verdicts are compared with promtool's and amtool's on the same
 * inputs in test/tools/go-template.test.ts.
 */

/** Go's builtin template functions (text/template funcs.go). */
const GO_BUILTINS = [
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
];

/**
 * Prometheus' template functions for alert labels and annotations, as of 2.53:
 * AMP's engine version is not published, so newer ones are refused.
 * @see test/contracts/prometheus.ts TEMPLATES
 */
export const PROMETHEUS_TEMPLATE_FUNCS: readonly string[] = [
  ...GO_BUILTINS,
  'query',
  'first',
  'label',
  'value',
  'strvalue',
  'args',
  'reReplaceAll',
  'safeHtml',
  'match',
  'title',
  'toUpper',
  'toLower',
  'graphLink',
  'tableLink',
  'sortByLabel',
  'stripPort',
  'stripDomain',
  'humanize',
  'humanize1024',
  'humanizeDuration',
  'humanizePercentage',
  'humanizeTimestamp',
  'toTime',
  'pathPrefix',
  'externalURL',
  'parseDuration',
];

/**
 * The variables Prometheus defines before parsing a label or annotation.
 * @see test/contracts/prometheus.ts TEMPLATES
 */
export const PROMETHEUS_TEMPLATE_VARS: readonly string[] = ['labels', 'externalLabels', 'externalURL', 'value'];

/**
 * Alertmanager's template functions, as of 0.25: AMP's version is not known,
 * so newer ones are refused.
 * @see test/contracts/prometheus.ts TEMPLATES
 */
export const ALERTMANAGER_TEMPLATE_FUNCS: readonly string[] = [
  ...GO_BUILTINS,
  'toUpper',
  'toLower',
  'title',
  'join',
  'match',
  'safeHtml',
  'reReplaceAll',
  'stringSlice',
];

export interface GoTemplateOptions {
  readonly functions: readonly string[];
  /** Variables defined before the text (without `$`). */
  readonly variables?: readonly string[];
}

/** Parses a Go template; returns the first error as Go words it, or undefined. */
export function checkGoTemplate(text: string, options: GoTemplateOptions): string | undefined {
  try {
    new Parser(text, options).parse();
    return undefined;
  } catch (e) {
    if (e instanceof TemplateError) return e.message;
    throw e;
  }
}

class TemplateError extends Error {}

type Token =
  | { kind: 'string' | 'number' | 'char' | 'bool' | 'nil' | 'dot' }
  | { kind: 'field'; text: string }
  | { kind: 'variable'; name: string }
  | { kind: 'ident'; name: string }
  | { kind: 'keyword'; name: string }
  | { kind: 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

class Parser {
  private readonly functions: ReadonlySet<string>;
  /** Open control structures, each with its variable scope. */
  private readonly stack: { kind: string; line: number; vars: Set<string> }[];
  private line = 1;

  constructor(
    private readonly text: string,
    options: GoTemplateOptions,
  ) {
    this.functions = new Set(options.functions);
    this.stack = [{ kind: 'top', line: 1, vars: new Set(['', ...(options.variables ?? [])]) }];
  }

  private fail(message: string): never {
    throw new TemplateError(`line ${this.line}: ${message}`);
  }

  parse(): void {
    let i = 0;
    const t = this.text;
    while (i < t.length) {
      const open = t.indexOf('{{', i);
      if (open < 0) break;
      this.line += count(t.slice(i, open), '\n');
      let j = open + 2;
      // A trim marker is "{{- " (dash then space); "{{-3}}" is the number -3.
      if (t[j] === '-' && /[\s]/.test(t[j + 1] ?? '')) j += 2;
      // A comment starts right after the delimiter (and trim marker) and its
      // "*/" is followed by "}}" or " -}}" (text/template/parse/lex.go, lexComment).
      if (t.startsWith('/*', j)) {
        const close = t.indexOf('*/', j + 2);
        if (close < 0) this.fail('unclosed comment');
        let k = close + 2;
        if (t.startsWith(' -}}', k)) k += 4;
        else if (t.startsWith('}}', k)) k += 2;
        else this.fail('comment ends before closing delimiter');
        this.line += count(t.slice(open, k), '\n');
        i = k;
        continue;
      }
      const { tokens, end } = this.lexAction(j);
      this.action(tokens);
      this.line += count(t.slice(open, end), '\n');
      i = end;
    }
    const open = this.stack[this.stack.length - 1];
    if (open.kind !== 'top') this.fail(`unexpected EOF: {{${open.kind}}} opened on line ${open.line} has no {{end}}`);
  }

  /** Lexes one action's tokens from position `i` (after "{{"), up to and past "}}". */
  private lexAction(start: number): { tokens: Token[]; end: number } {
    const t = this.text;
    // After a variable, field or identifier Go's lexer requires a terminator, else "bad character"
    // (text/template/parse/lex.go, lexFieldOrVariable/lexIdentifier and atTerminator): `{{ $value-1 }}` is refused.
    const atTerminator = (k: number): void => {
      if (k >= t.length || /[\s.,|:()]/.test(t[k]) || t.startsWith('}}', k)) return;
      this.fail(`bad character ${JSON.stringify(t[k])}`);
    };
    const tokens: Token[] = [];
    let i = start;
    let depth = 0;
    for (;;) {
      if (i >= t.length) this.fail('unclosed action');
      const c = t[i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        // " -}}" closes with a trim marker.
        if (t.startsWith(' -}}', i) || t.startsWith('\t-}}', i) || t.startsWith('\n-}}', i)) {
          if (depth > 0) this.fail('unclosed left paren');
          return { tokens, end: i + 4 };
        }
        i++;
        continue;
      }
      if (t.startsWith('}}', i)) {
        if (depth > 0) this.fail('unclosed left paren');
        return { tokens, end: i + 2 };
      }
      if (c === '"') {
        let k = i + 1;
        while (k < t.length && t[k] !== '"') {
          if (t[k] === '\\') k++;
          if (t[k] === '\n' || k >= t.length) this.fail('unterminated quoted string');
          k++;
        }
        if (k >= t.length) this.fail('unterminated quoted string');
        tokens.push({ kind: 'string' });
        i = k + 1;
      } else if (c === '`') {
        const k = t.indexOf('`', i + 1);
        if (k < 0) this.fail('unterminated raw quoted string');
        tokens.push({ kind: 'string' });
        i = k + 1;
      } else if (c === "'") {
        let k = i + 1;
        while (k < t.length && t[k] !== "'") {
          if (t[k] === '\\') k++;
          if (t[k] === '\n') this.fail('unterminated character constant');
          k++;
        }
        if (k >= t.length) this.fail('unterminated character constant');
        tokens.push({ kind: 'char' });
        i = k + 1;
      } else if (c === '|') {
        tokens.push({ kind: 'pipe' });
        i++;
      } else if (c === '(') {
        depth++;
        tokens.push({ kind: 'lparen' });
        i++;
      } else if (c === ')') {
        depth--;
        if (depth < 0) this.fail(`unexpected right paren`);
        tokens.push({ kind: 'rparen' });
        i++;
      } else if (c === ',') {
        tokens.push({ kind: 'comma' });
        i++;
      } else if (t.startsWith(':=', i)) {
        tokens.push({ kind: 'declare' });
        i += 2;
      } else if (c === '=') {
        tokens.push({ kind: 'assign' });
        i++;
      } else if (c === '$') {
        const m = /^\$[A-Za-z0-9_]*/.exec(t.slice(i))!;
        tokens.push({ kind: 'variable', name: m[0].slice(1) });
        i += m[0].length;
        const f = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(t.slice(i));
        if (f) i += f[0].length;
        atTerminator(i);
      } else if (c === '.') {
        const f = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(t.slice(i));
        if (f) {
          tokens.push({ kind: 'field', text: f[0] });
          i += f[0].length;
          atTerminator(i);
        } else if (/^\.[0-9]/.test(t.slice(i))) {
          const n = /^\.[0-9][0-9_]*([eE][+-]?[0-9]+)?/.exec(t.slice(i))!;
          tokens.push({ kind: 'number' });
          i += n[0].length;
        } else {
          tokens.push({ kind: 'dot' });
          i++;
        }
      } else if (/[0-9+-]/.test(c)) {
        const n = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?|\.[0-9]+)i?/.exec(
          t.slice(i),
        );
        if (!n) this.fail(`bad number syntax: "${t.slice(i, i + 10)}"`);
        tokens.push({ kind: 'number' });
        i += n[0].length;
        if (/^[A-Za-z_.]/.test(t.slice(i))) this.fail(`bad number syntax: "${t.slice(i - n[0].length, i + 1)}"`);
      } else if (/[A-Za-z_]/.test(c)) {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(t.slice(i))!;
        const name = m[0];
        i += name.length;
        if (name === 'true' || name === 'false') tokens.push({ kind: 'bool' });
        else if (name === 'nil') tokens.push({ kind: 'nil' });
        else if (KEYWORDS.has(name)) tokens.push({ kind: 'keyword', name });
        else tokens.push({ kind: 'ident', name });
        // A field chain on a function result, e.g. (x).Field, is lexed with the parenthesis; on an identifier it is an error in Go.
        const f = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(t.slice(i));
        if (f) i += f[0].length;
        atTerminator(i);
      } else {
        this.fail(`unexpected ${JSON.stringify(c)} in command`);
      }
    }
  }

  private get scope() {
    return this.stack[this.stack.length - 1];
  }

  private defined(name: string): boolean {
    return this.stack.some((s) => s.vars.has(name));
  }

  private action(tokens: Token[]): void {
    if (tokens.length === 0) this.fail('missing value for command');
    const first = tokens[0];
    if (first.kind === 'keyword') {
      const rest = tokens.slice(1);
      switch (first.name) {
        case 'if':
        case 'range':
        case 'with':
          this.stack.push({ kind: first.name, line: this.line, vars: new Set() });
          this.pipeline(rest, first.name, first.name === 'range');
          return;
        case 'else': {
          const open = this.scope;
          if (!['if', 'range', 'with'].includes(open.kind)) this.fail('unexpected {{else}}');
          if (rest.length > 0) {
            const kw = rest[0];
            if (kw.kind !== 'keyword' || (kw.name !== 'if' && kw.name !== 'with')) this.fail('expected end; found ' + describe(kw));
            open.vars = new Set();
            this.pipeline(rest.slice(1), kw.name, false);
          } else open.vars = new Set();
          return;
        }
        case 'end':
          if (rest.length > 0) this.fail(`unexpected ${describe(rest[0])} in end`);
          if (this.scope.kind === 'top') this.fail('unexpected {{end}}');
          this.stack.pop();
          return;
        case 'define':
        case 'block': {
          if (first.name === 'define' && this.stack.length > 1) this.fail('unexpected {{define}} inside another action block');
          if (rest[0]?.kind !== 'string') this.fail(`unexpected ${rest[0] ? describe(rest[0]) : 'end of action'} in ${first.name} clause`);
          if (first.name === 'define' && rest.length > 1) this.fail(`unexpected ${describe(rest[1])} in define clause`);
          if (first.name === 'block') this.pipeline(rest.slice(1), 'block', false);
          this.stack.push({ kind: first.name, line: this.line, vars: first.name === 'define' ? new Set(['']) : new Set() });
          return;
        }
        case 'template':
          if (rest[0]?.kind !== 'string') this.fail(`unexpected ${rest[0] ? describe(rest[0]) : 'end of action'} in template clause`);
          if (rest.length > 1) this.pipeline(rest.slice(1), 'template', false);
          return;
        case 'break':
        case 'continue':
          if (!this.stack.some((s) => s.kind === 'range')) this.fail(`{{${first.name}}} outside {{range}}`);
          if (rest.length > 0) this.fail(`unexpected ${describe(rest[0])} in {{${first.name}}}`);
          return;
      }
    }
    this.pipeline(tokens, 'command', false);
  }

  /** A pipeline: optional declarations, then commands separated by "|". */
  private pipeline(tokens: Token[], context: string, allowTwoVars: boolean): void {
    if (tokens.length === 0) this.fail(`missing value for ${context}`);
    let i = 0;
    // $x := ..., $x = ..., or (range) $i, $e := ...
    const decl = /^variable( comma variable)? (declare|assign)/;
    const kinds = tokens
      .slice(0, 4)
      .map((t) => t.kind)
      .join(' ');
    const m = decl.exec(kinds);
    if (m) {
      const vars = tokens.filter((t, k) => k < 4 && t.kind === 'variable') as { kind: 'variable'; name: string }[];
      const n = m[1] ? 2 : 1;
      if (n === 2 && !allowTwoVars) this.fail('too many declarations in ' + context);
      const op = tokens[n === 2 ? 3 : 1];
      for (const v of vars.slice(0, n)) {
        if (op.kind === 'assign' && !this.defined(v.name)) this.fail(`undefined variable: $${v.name}`);
        this.scope.vars.add(v.name);
      }
      i = n === 2 ? 4 : 2;
      if (i >= tokens.length) this.fail(`missing value for ${context}`);
    }
    this.commands(tokens.slice(i), context);
  }

  private commands(tokens: Token[], context: string): void {
    let cmd: Token[] = [];
    const flush = () => {
      if (cmd.length === 0) this.fail(`missing value for ${context}`);
      this.command(cmd);
      cmd = [];
    };
    let depth = 0;
    let commands = 0;
    for (const t of tokens) {
      // Only a pipeline's first command may start with a non-executable operand
      // (text/template/parse/parse.go, checkPipeline): `{{ $value | "x" }}` is refused.
      if (commands > 0 && cmd.length === 0 && depth === 0 && ['bool', 'dot', 'nil', 'number', 'string', 'char'].includes(t.kind))
        this.fail(`non executable command in pipeline stage ${commands + 1}`);
      if (t.kind === 'lparen') depth++;
      if (t.kind === 'rparen') depth--;
      if (t.kind === 'pipe' && depth === 0) {
        if (cmd.length === 0) this.fail('unexpected "|" in command');
        flush();
        commands++;
      } else cmd.push(t);
    }
    // Go ends a pipeline at the delimiter, so a trailing "|" is accepted (text/template/parse/parse.go, command).
    if (cmd.length > 0 || commands === 0) flush();
  }

  /** One command: operands, a function call's arguments, or a parenthesised pipeline. */
  private command(tokens: Token[]): void {
    let i = 0;
    while (i < tokens.length) {
      const t = tokens[i];
      if (t.kind === 'lparen') {
        let depth = 1;
        let k = i + 1;
        for (; k < tokens.length && depth > 0; k++) {
          if (tokens[k].kind === 'lparen') depth++;
          if (tokens[k].kind === 'rparen') depth--;
        }
        const inner = tokens.slice(i + 1, k - 1);
        if (inner.length === 0) this.fail('missing value for parenthesized pipeline');
        this.pipeline(inner, 'parenthesized pipeline', false);
        i = k;
        continue;
      }
      switch (t.kind) {
        case 'ident':
          if (!this.functions.has(t.name)) this.fail(`function "${t.name}" not defined`);
          break;
        case 'variable':
          if (!this.defined(t.name)) this.fail(`undefined variable "$${t.name}"`);
          break;
        case 'keyword':
          this.fail(`unexpected <${t.name}> in command`);
          break;
        case 'declare':
        case 'assign':
        case 'comma':
          this.fail(`unexpected "${t.kind === 'declare' ? ':=' : t.kind === 'assign' ? '=' : ','}" in operand`);
          break;
        case 'rparen':
          this.fail('unexpected right paren');
          break;
        default:
          break;
      }
      i++;
    }
  }
}

function describe(t: Token): string {
  if (t.kind === 'keyword' || t.kind === 'ident') return `<${t.name}>`;
  if (t.kind === 'variable') return `$${t.name}`;
  return t.kind;
}

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}
