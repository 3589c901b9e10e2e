import * as fs from 'fs';
import * as path from 'path';
import { stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { checkData, parseYamlText } from '../data-file';
import { UserInputError } from '../errors';
import { MetricCatalog } from './metric-catalog';
import { parsePromql } from './promql';

export const ALERTS_DIR = 'alerts';
export const THRESHOLDS_FILE = 'alerts/thresholds.yaml';
/** Files in alerts/ that are not Prometheus rule files. */
const NOT_RULE_FILES = new Set(['alertmanager.yaml', 'thresholds.yaml', 'slos.yaml', 'anomalies.yaml']);
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
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

export type Rule = z.infer<typeof ruleSchema>;
export type RuleGroup = z.infer<typeof ruleFileSchema>['groups'][number];

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

export function loadThresholds(root: string): Record<string, Threshold> {
  const file = path.join(root, THRESHOLDS_FILE);
  if (!fs.existsSync(file)) return {};
  const doc = parseYamlText(THRESHOLDS_FILE, fs.readFileSync(file, 'utf8')) ?? {};
  return checkData(
    THRESHOLDS_FILE,
    doc,
    thresholdsSchema,
    'the header of alerts/thresholds.yaml: `name: { value: NUMBER, description: TEXT }`',
  );
}

/** Lists alerts/*.yaml rule files (not recursive; not alertmanager.yaml). */
export function ruleFilePaths(root: string): string[] {
  const dir = path.join(root, ALERTS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !NOT_RULE_FILES.has(f))
    .sort()
    .map((f) => `${ALERTS_DIR}/${f}`);
}

/**
 * Validates rule files: YAML and schema, thresholds, PromQL syntax, known
 * metrics, unique alert and group names, alert labels and annotations. The
 * first problem stops with a message naming file, group and rule.
 */
export function validateRuleFiles(
  raw: readonly { file: string; text: string }[],
  catalog: MetricCatalog,
  thresholds: Record<string, Threshold>,
): RuleFile[] {
  const parsed = raw.map(({ file, text }) => ({ file, groups: parseRuleFile(file, text, thresholds) }));

  const recording = new Set<string>();
  for (const { groups } of parsed) for (const g of groups) for (const r of g.rules) if (r.record) recording.add(r.record);

  const alertNames = new Map<string, string>();
  const groupNames = new Map<string, string>();
  return parsed.map(({ file, groups }) => {
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
    return { file, name, groups, text: stringifyYaml({ groups }, { lineWidth: 0, aliasDuplicateObjects: false }) };
  });
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
