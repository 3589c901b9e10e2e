import * as path from 'path';
import { toYaml } from '../yaml-text';
import { z } from 'zod';
import { checkData, parseYamlText } from '../data-file';
import { filesIn, ProjectFiles } from './project-files';
import { UserInputError } from '../errors';
import { MetricCatalog } from './metric-catalog';
import { checkGoTemplate, PROMETHEUS_TEMPLATE_FUNCS, PROMETHEUS_TEMPLATE_VARS } from './go-template';
import { DURATION_HELP, isValidLabelName, isValidLabelValue, parseDuration } from './prometheus-syntax';
import { parsePromql } from './promql';

const ALERTS_DIR = 'alerts';
export const THRESHOLDS_FILE = 'alerts/thresholds.yaml';
/** Files in alerts/ that are not Prometheus rule files. */
const NOT_RULE_FILES = new Set(['alertmanager.yaml', 'thresholds.yaml', 'slos.yaml', 'anomalies.yaml', 'logs.yaml']);
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
/** Annotations every alert carries, so a page is actionable on its own. */
export const REQUIRED_ANNOTATIONS = ['summary', 'description', 'runbook_url', 'dashboard_url'] as const;

const ruleSchema = z.strictObject({
  alert: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  record: z
    .string()
    .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
    .optional(),
  expr: z.string().min(1),
  for: z.string().optional(),
  keep_firing_for: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const ruleFileSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: z.string().optional(),
        limit: z.number().int().optional(),
        rules: z.array(ruleSchema).min(1),
      }),
    )
    .min(1),
});

type Rule = z.infer<typeof ruleSchema>;
type RuleGroup = z.infer<typeof ruleFileSchema>['groups'][number];

export interface RuleFile {
  /** Path relative to the project root, e.g. alerts/trading-platform.yaml. */
  readonly file: string;
  /** File name without extension: names the AMP namespace and the local file. */
  readonly name: string;
  readonly groups: readonly RuleGroup[];
  /**
   * The file as validated, thresholds filled in: exactly what AMP and local
   * Prometheus load, and what promtool checks.
   */
  readonly text: string;
}

export interface Threshold {
  readonly value: number;
  readonly description: string;
}

const thresholdsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/),
  z.strictObject({ value: z.number(), description: z.string().min(1) }),
);

/** `${threshold.name}` in an expression or annotation is replaced by the value from alerts/thresholds.yaml. */
const PLACEHOLDER = /\$\{threshold\.([a-z0-9_]+)\}/g;

export function parseThresholds(file: string, text: string): Record<string, Threshold> {
  const doc = parseYamlText(file, text) ?? {};
  return checkData(file, doc, thresholdsSchema, 'the header of alerts/thresholds.yaml: `name: { value: NUMBER, description: TEXT }`');
}

/** Lists alerts/*.yaml rule files (not recursive; not alertmanager.yaml). */
export function ruleFilePaths(files: ProjectFiles): string[] {
  return filesIn(files, ALERTS_DIR, /\.ya?ml$/).filter((f) => !NOT_RULE_FILES.has(f.slice(ALERTS_DIR.length + 1)));
}

/**
 * Validates rule files: YAML and schema, thresholds, PromQL syntax, known
 * metrics, unique alert and group names, alert labels and annotations. The
 * first problem stops with a message naming file, group and rule.
 *
 * @param validated rule files already validated with the same catalog,
 *   thresholds and limits: the files of `raw` are checked against them (their
 *   recording rules, group and alert names) and follow them in the result,
 *   without the validated ones being parsed and checked again
 */
export function validateRuleFiles(
  raw: readonly { file: string; text: string }[],
  catalog: MetricCatalog,
  thresholds: Record<string, Threshold>,
  limits: RuleFileLimits = DEFAULT_RULE_FILE_LIMITS,
  validated: readonly RuleFile[] = [],
): RuleFile[] {
  const parsed = raw.map(({ file, text }) => ({ file, groups: parseRuleFile(file, text, thresholds) }));

  const recording = new Set<string>();
  for (const { groups } of [...validated, ...parsed])
    for (const g of groups) for (const r of g.rules) if (r.record) recording.add(r.record);

  const alertNames = new Map<string, string>();
  const groupNames = new Map<string, string>();
  for (const { file, groups } of validated) {
    for (const g of groups) {
      groupNames.set(g.name, file);
      for (const r of g.rules) if (r.alert && !alertNames.has(r.alert)) alertNames.set(r.alert, file);
    }
  }
  return [
    ...validated,
    ...parsed.map(({ file, groups }) => {
      for (const group of groups) {
        const seen = groupNames.get(group.name);
        if (seen) {
          throw UserInputError.of({
            file,
            where: `group "${group.name}"`,
            problem: `has the same name as a group in ${seen}`,
            fix: 'give every rule group a unique name',
          });
        }
        groupNames.set(group.name, file);
        checkGroup(file, group, limits);
        group.rules.forEach((rule, i) => {
          const where = `group "${group.name}", ${rule.alert ? `alert "${rule.alert}"` : rule.record ? `record "${rule.record}"` : `rule #${i + 1}`}`;
          checkRule(file, where, rule, catalog, recording);
          if (rule.alert) {
            const first = alertNames.get(rule.alert);
            if (first) {
              throw UserInputError.of({
                file,
                where,
                problem: `duplicates the alert of the same name in ${first}`,
                value: rule.alert,
                fix: 'rename one of them; alert names must be unique across alerts/',
              });
            }
            alertNames.set(rule.alert, file);
          }
        });
      }
      const name = path.basename(file).replace(/\.ya?ml$/, '');
      const text = toYaml({ groups });
      checkNamespace(file, name, groups, text, limits);
      return { file, name, groups, text };
    }),
  ];
}

function parseRuleFile(file: string, text: string, thresholds: Record<string, Threshold>): RuleGroup[] {
  const data = checkData(
    file,
    parseYamlText(file, text),
    ruleFileSchema,
    'the Prometheus rule file format: groups: [{name, rules: [{alert|record, expr, for, labels, annotations}]}]',
  );
  return data.groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule, i) => {
      const where = `group "${group.name}", ${rule.alert ? `alert "${rule.alert}"` : rule.record ? `record "${rule.record}"` : `rule #${i + 1}`}`;
      const fill = (s: string, field: string) =>
        s.replace(PLACEHOLDER, (whole, name: string) => {
          const t = thresholds[name];
          if (!t) {
            throw UserInputError.of({
              file,
              where: `${where}, ${field}`,
              problem: 'uses an unknown threshold',
              value: whole,
              fix: `define "${name}" in ${THRESHOLDS_FILE}, or use one of: ${Object.keys(thresholds).join(', ')}`,
            });
          }
          return String(t.value);
        });
      return {
        ...rule,
        expr: fill(rule.expr, 'expr'),
        ...(rule.annotations && {
          annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, fill(v, `annotations.${k}`)])),
        }),
      };
    }),
  }));
}

function checkRule(file: string, where: string, rule: Rule, catalog: MetricCatalog, recording: ReadonlySet<string>): void {
  if (!rule.alert === !rule.record) {
    throw UserInputError.of({
      file,
      where,
      problem: 'must have exactly one of `alert` and `record`',
      fix: 'name the rule with `alert:` (alerting) or `record:` (recording)',
    });
  }
  checkRuleFields(file, where, rule);
  const parse = parsePromql(rule.expr);
  if (!parse.ok) {
    throw UserInputError.of({
      file,
      where: `${where}, expr`,
      problem: `is not valid PromQL near position ${parse.position} ("${parse.near}")`,
      value: rule.expr,
      fix: 'correct the expression; `promtool check rules` shows the same error',
    });
  }
  for (const sel of parse.selectors) {
    if (sel.name === undefined) continue;
    if (!catalog.resolve(sel.name, recording)) {
      throw UserInputError.of({
        file,
        where: `${where}, expr`,
        problem: 'queries a metric that is neither in the catalog nor a recording rule',
        value: sel.name,
        fix: `add it to catalog/metrics.yaml, define a recording rule of that name, or correct the spelling`,
      });
    }
  }
  if (rule.record && !/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/.test(rule.record)) {
    throw UserInputError.of({
      file,
      where,
      problem: 'is not named level:metric:operations',
      value: rule.record,
      fix: 'name recording rules like "job:pipeline_executions:rate5m"',
    });
  }
  if (rule.alert) {
    const severity = rule.labels?.severity;
    if (severity === undefined) {
      throw UserInputError.of({
        file,
        where,
        problem: 'has no `severity` label',
        fix: `add labels.severity: one of ${SEVERITIES.join(', ')}`,
      });
    }
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      throw UserInputError.of({
        file,
        where: `${where}, labels.severity`,
        problem: 'is not a known severity',
        value: severity,
        fix: `use one of ${SEVERITIES.join(', ')}`,
      });
    }
    if (rule.labels?.service === undefined) {
      throw UserInputError.of({
        file,
        where,
        problem: 'has no `service` label',
        fix: 'add labels.service: the service it concerns, or "{{ $labels.job }}" when the expression keeps the job label',
      });
    }
    for (const a of REQUIRED_ANNOTATIONS) {
      if (!rule.annotations?.[a]) {
        throw UserInputError.of({
          file,
          where,
          problem: `has no \`${a}\` annotation`,
          fix: `add annotations.${a} (every alert needs ${REQUIRED_ANNOTATIONS.join(', ')})`,
        });
      }
    }
  }
}

/** The AMP limits a rule file must keep (config/limits.yaml). */
export interface RuleFileLimits {
  readonly ruleGroupsNamespaceBytes: number;
  readonly namespaceAndGroupNameBytes: number;
  /** AMP's "Rule evaluation interval" quota: the shortest group interval it evaluates. */
  readonly ruleEvaluationIntervalMinSeconds: number;
}
const DEFAULT_RULE_FILE_LIMITS: RuleFileLimits = {
  ruleGroupsNamespaceBytes: 1048576,
  namespaceAndGroupNameBytes: 721,
  ruleEvaluationIntervalMinSeconds: 30,
};

function checkGroup(file: string, group: RuleGroup, limits: RuleFileLimits): void {
  const where = `group "${group.name}", interval`;
  const ms = group.interval === undefined ? undefined : checkDuration(file, where, group.interval, { positive: true });
  // The same files reach AMP and local Prometheus: an interval AMP will not evaluate is refused for both.
  if (ms !== undefined && ms < limits.ruleEvaluationIntervalMinSeconds * 1000) {
    throw UserInputError.of({
      file,
      where,
      problem: `is shorter than AMP's rule evaluation interval quota of ${limits.ruleEvaluationIntervalMinSeconds}s (config/limits.yaml)`,
      value: group.interval,
      fix: `use "${limits.ruleEvaluationIntervalMinSeconds}s" or more (or, if Service Quotas shows a lower "Rule evaluation interval" for your account, set amp.ruleEvaluationIntervalMinSeconds in config/limits.yaml)`,
    });
  }
  const bytes = Buffer.byteLength(path.basename(file).replace(/\.ya?ml$/, '') + group.name, 'utf8');
  if (bytes > limits.namespaceAndGroupNameBytes) {
    throw UserInputError.of({
      file,
      where: `group "${group.name.slice(0, 40)}..."`,
      problem: `makes namespace and group name ${bytes} UTF-8 bytes, over AMP's ${limits.namespaceAndGroupNameBytes} (config/limits.yaml)`,
      fix: 'shorten the group name or the file name',
    });
  }
}

function checkNamespace(file: string, name: string, groups: readonly RuleGroup[], text: string, limits: RuleFileLimits): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.ruleGroupsNamespaceBytes) {
    throw UserInputError.of({
      file,
      where: `rule groups namespace "${name}" (${groups.length} groups)`,
      problem: `is ${bytes} bytes, over AMP's rule groups namespace definition limit of ${limits.ruleGroupsNamespaceBytes} (config/limits.yaml)`,
      fix: 'split the file into several files in alerts/ (each becomes its own namespace)',
    });
  }
}

function checkDuration(file: string, where: string, value: string, opts: { positive?: boolean } = {}): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw UserInputError.of({ file, where, problem: 'is not a Prometheus duration', value, fix: DURATION_HELP });
  }
  if (opts.positive && ms === 0)
    throw UserInputError.of({ file, where, problem: 'must not be zero', value, fix: 'use a positive duration like "30s"' });
  return ms;
}

/**
 * What Prometheus' rule loader (and so AMP's ruler) refuses in a rule's
 * fields: durations, label names and values, annotation names, fields
 * recording rules may not have, and templates that do not parse.
 * @see test/contracts/prometheus.ts RULE_FIELDS
 */
function checkRuleFields(file: string, where: string, rule: Rule): void {
  if (rule.for !== undefined) checkDuration(file, `${where}, for`, rule.for);
  if (rule.keep_firing_for !== undefined) checkDuration(file, `${where}, keep_firing_for`, rule.keep_firing_for);
  if (rule.record) {
    for (const field of ['for', 'keep_firing_for', 'annotations'] as const) {
      if (rule[field] !== undefined) {
        throw UserInputError.of({
          file,
          where: `${where}, ${field}`,
          problem: 'is not allowed in a recording rule',
          fix: `remove ${field}, or make the rule an alerting rule (alert:)`,
        });
      }
    }
  }
  for (const [k, v] of Object.entries(rule.labels ?? {})) {
    if (!isValidLabelName(k) || k === '__name__') {
      throw UserInputError.of({
        file,
        where: `${where}, labels`,
        problem: 'has an invalid label name',
        value: k,
        fix: 'use letters, digits and underscores, not starting with a digit (e.g. "team_name"), and not __name__',
      });
    }
    if (!isValidLabelValue(v)) {
      throw UserInputError.of({ file, where: `${where}, labels.${k}`, problem: 'is not valid UTF-8', value: v, fix: 'correct the text' });
    }
  }
  for (const k of Object.keys(rule.annotations ?? {})) {
    if (!isValidLabelName(k)) {
      throw UserInputError.of({
        file,
        where: `${where}, annotations`,
        problem: 'has an invalid annotation name',
        value: k,
        fix: 'use letters, digits and underscores, not starting with a digit (e.g. "runbook_url")',
      });
    }
  }
  if (!rule.alert) return;
  const fields = [
    ...Object.entries(rule.labels ?? {}).map(([k, v]) => [`labels.${k}`, v]),
    ...Object.entries(rule.annotations ?? {}).map(([k, v]) => [`annotations.${k}`, v]),
  ];
  for (const [field, text] of fields) {
    const error = checkGoTemplate(text, { functions: PROMETHEUS_TEMPLATE_FUNCS, variables: PROMETHEUS_TEMPLATE_VARS });
    if (error) {
      throw UserInputError.of({
        file,
        where: `${where}, ${field}`,
        problem: `is not a valid template (${error})`,
        value: text,
        fix: 'correct the {{ ... }} syntax; Prometheus template functions and $labels, $value, $externalLabels, $externalURL are available',
      });
    }
  }
}
