import * as fs from 'fs';
import * as path from 'path';
import { stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { readYamlFile } from '../data-file';
import { UserInputError } from '../errors';

export const SLO_FILE = 'alerts/slos.yaml';

const sloSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'must be a lowercase name like "backend-availability"' }),
  service: z.string().min(1),
  objective: z
    .number()
    .gt(0.5, { error: 'must be a fraction like 0.999' })
    .lt(1, { error: 'leaves no error budget: use an objective below 1, like 0.999' }),
  description: z.string().min(1),
  sli: z.union([
    z.strictObject({ bad: z.string().min(1), total: z.string().min(1) }),
    z.strictObject({ histogram: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/), thresholdSeconds: z.number().positive() }),
  ]),
});
const fileSchema = z.strictObject({
  window: z.string().regex(/^\d+d$/, { error: 'must be a number of days like "30d"' }),
  slos: z.array(sloSchema),
});
export type Slo = z.infer<typeof sloSchema>;
export interface SloSet {
  readonly window: string;
  readonly slos: readonly Slo[];
}

/** The SRE workbook's multiwindow, multi-burn-rate pairs. */
export const BURN_WINDOWS = [
  { severity: 'critical', kind: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'critical', kind: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'warning', kind: 'ticket', long: '1d', short: '2h', factor: 3 },
  { severity: 'warning', kind: 'ticket', long: '3d', short: '6h', factor: 1 },
] as const;
const RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

export function loadSlos(root: string): SloSet {
  const full = path.join(root, SLO_FILE);
  if (!fs.existsSync(full)) return { window: '30d', slos: [] };
  const data = readYamlFile(root, SLO_FILE, fileSchema, 'the header of alerts/slos.yaml');
  const names = new Set<string>();
  for (const s of data.slos) {
    if (names.has(s.name))
      throw UserInputError.of({ file: SLO_FILE, where: `slo "${s.name}"`, problem: 'is defined twice', fix: 'give each SLO its own name' });
    names.add(s.name);
  }
  return data;
}

const camel = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
/** The alert names an SLO renders into. */
export const sloAlertNames = (slo: Slo) => ({ page: `${camel(slo.name)}BudgetBurnFast`, ticket: `${camel(slo.name)}BudgetBurnSlow` });

function errorRatio(slo: Slo, w: string): string {
  if ('bad' in slo.sli) return `sum(rate(${slo.sli.bad}[${w}])) / sum(rate(${slo.sli.total}[${w}]))`;
  const h = slo.sli.histogram;
  const le = String(slo.sli.thresholdSeconds);
  return `(sum(rate(${h}_count[${w}])) - sum(rate(${h}_bucket{le="${le}"}[${w}]))) / sum(rate(${h}_count[${w}]))`;
}

/**
 * The rule file of the SLOs (Prometheus format, as text): per SLO its error
 * ratio over every window the alerts use, its objective, the budget left over
 * the SLO window, and the page and ticket burn-rate alerts. It goes through
 * the same validation as hand-written rule files.
 */
export function renderSloRules(set: SloSet): string {
  const RUNBOOK = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md#sloerrorbudgetburn';
  const groups = set.slos.map((slo) => {
    const labels = { slo: slo.name, service: slo.service };
    const budget = +(1 - slo.objective).toFixed(6);
    const names = sloAlertNames(slo);
    const burn = (w: string) => `slo:sli_error:ratio_rate${w}{slo="${slo.name}"}`;
    const alert = (kind: 'page' | 'ticket') => {
      const pairs = BURN_WINDOWS.filter((b) => b.kind === kind);
      return {
        alert: names[kind],
        expr: pairs
          .map((b) => `(${burn(b.long)} > (${b.factor} * ${budget}) and ${burn(b.short)} > (${b.factor} * ${budget}))`)
          .join(' or '),
        for: kind === 'page' ? '2m' : '15m',
        labels: { severity: pairs[0].severity, service: slo.service, slo: slo.name },
        annotations: {
          summary: `${slo.description}: error budget burning ${kind === 'page' ? 'fast' : 'steadily'}`,
          description: `${slo.name} errors at {{ $value | humanizePercentage }} against a ${(slo.objective * 100).toFixed(3).replace(/\.?0+$/, '')} % objective (${pairs.map((b) => `${b.factor}x over ${b.long}/${b.short}`).join(', ')}).`,
          runbook_url: RUNBOOK,
          dashboard_url: `/d/slos/slos?var-slo=${slo.name}`,
        },
      };
    };
    return {
      name: `slo_${slo.name.replace(/-/g, '_')}`,
      interval: '30s',
      rules: [
        ...RATE_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: errorRatio(slo, w), labels })),
        { record: 'slo:objective:ratio', expr: `vector(${slo.objective})`, labels },
        {
          record: 'slo:error_budget_remaining:ratio',
          expr: `1 - (avg_over_time(slo:sli_error:ratio_rate5m{slo="${slo.name}"}[${set.window}]) / ${budget})`,
          labels,
        },
        alert('page'),
        alert('ticket'),
      ],
    };
  });
  return stringifyYaml({ groups }, { lineWidth: 0, aliasDuplicateObjects: false });
}
