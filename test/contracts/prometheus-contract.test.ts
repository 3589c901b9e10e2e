import { parse, stringify } from 'yaml';
import { compile } from '../../lib/compile/compile';
import { ALERTMANAGER_TEMPLATE_FUNCS, PROMETHEUS_TEMPLATE_FUNCS, PROMETHEUS_TEMPLATE_VARS } from '../../lib/model/go-template';
import { isValidLabelName, parseDuration, parseMatcher } from '../../lib/model/prometheus-syntax';
import { STALE_AFTER_SECONDS } from '../../lib/render/target-rules';
import { baseFiles, inputErrorOf } from '../helpers';
import { DURATIONS, LABEL_NAMES, MATCHERS, ROUTES, RULE_FIELDS, STALENESS, TEMPLATES } from './prometheus';

/** The refusal of synth when `file` of the repository is edited by `edit`. */
function refusalWith(file: string, edit: (doc: Record<string, any>) => void): string {
  const doc = parse(baseFiles[file]);
  edit(doc);
  return inputErrorOf(() => compile({ ...baseFiles, [file]: stringify(doc, { lineWidth: 0 }) }, 'local'));
}

describe('our checks against the Prometheus / Alertmanager contract (test/contracts/prometheus.ts)', () => {
  test('durations: every unit, biggest first, and the overflow', () => {
    for (const [unit, ms] of Object.entries(DURATIONS.unitsMs)) expect([unit, parseDuration(`1${unit}`)]).toEqual([unit, ms]);
    const units = Object.keys(DURATIONS.unitsMs);
    expect(parseDuration(`1${units[0]}1${units[units.length - 1]}`)).toBe(DURATIONS.unitsMs.y + 1);
    expect(parseDuration(`1${units[units.length - 1]}1${units[0]}`)).toBeUndefined();
    const years = Math.floor(DURATIONS.maxMs / DURATIONS.unitsMs.y);
    expect(parseDuration(`${years}y`)).toBe(years * DURATIONS.unitsMs.y);
    expect(parseDuration(`${years + 1}y`)).toBeUndefined();
  });

  test('label names: the legacy names', () => {
    for (const name of ['team', 'team_name', '_x', 'X9', '9x', 'team.name', 'team-name', '', 'ü'])
      expect([name, isValidLabelName(name)]).toEqual([name, LABEL_NAMES.legacyPattern.test(name)]);
  });

  test('matchers: what both Alertmanager parsers read alike, and nothing else', () => {
    for (const m of MATCHERS.accepted) expect([m, parseMatcher(m) !== undefined]).toEqual([m, true]);
    for (const m of MATCHERS.refused) expect([m, parseMatcher(m)]).toEqual([m, undefined]);
  });

  test("template functions: Go's builtins and the older releases' sets, none of the newer functions", () => {
    for (const fn of TEMPLATES.goBuiltins) {
      expect(PROMETHEUS_TEMPLATE_FUNCS).toContain(fn);
      expect(ALERTMANAGER_TEMPLATE_FUNCS).toContain(fn);
    }
    for (const fn of TEMPLATES.prometheus.newerFunctions) expect(PROMETHEUS_TEMPLATE_FUNCS).not.toContain(fn);
    for (const fn of TEMPLATES.alertmanager.newerFunctions) expect(ALERTMANAGER_TEMPLATE_FUNCS).not.toContain(fn);
    expect(PROMETHEUS_TEMPLATE_VARS).toEqual(TEMPLATES.prometheus.variables);
  });

  test('a recording rule may not have the fields rulefmt refuses there', () => {
    for (const field of RULE_FIELDS.notInRecordingRules) {
      const value = field === 'annotations' ? { summary: 'x' } : '5m';
      expect(refusalWith('alerts/recording-rules.yaml', (d) => (d.groups[0].rules[0][field] = value))).toContain(
        `, ${field}: is not allowed in a recording rule`,
      );
    }
  });

  test("every duration of a route is checked as Alertmanager's", () => {
    for (const key of ROUTES.durations)
      expect(refusalWith('alerts/alertmanager.yaml', (d) => (d.route[key] = '5x'))).toContain(`route.${key}: is not a duration`);
  });

  test('a stopped target is stale well inside the lookback delta', () => {
    expect(STALE_AFTER_SECONDS).toBeLessThan(STALENESS.lookbackDeltaSeconds);
  });
});
