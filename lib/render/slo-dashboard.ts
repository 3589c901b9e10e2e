import { dashboardJson } from './dashboard-json';
import { Slo, SloSet } from '../model/slos';

const DS = { type: 'prometheus', uid: 'prometheus' };

/**
 * The "SLOs" dashboard, rendered from alerts/slos.yaml: per SLO a row with its
 * objective, the error budget left over the SLO window, and its burn rates.
 * Grafana JSON as Grafana exports it, so it is linted, imported and
 * provisioned like the files of dashboards/.
 */
export function renderSloDashboard(set: SloSet): string {
  let id = 0;
  let y = 0;
  const panels: Record<string, unknown>[] = [];
  const panel = (
    title: string,
    type: string,
    unit: string,
    w: number,
    x: number,
    h: number,
    targets: [string, string][],
    extra: Record<string, unknown> = {},
  ) => ({
    id: ++id,
    type,
    title,
    datasource: DS,
    gridPos: { h, w, x, y },
    fieldConfig: { defaults: { unit, color: { mode: type === 'stat' ? 'thresholds' : 'palette-classic' }, ...extra }, overrides: [] },
    options: {},
    targets: targets.map(([expr, legendFormat], i) => ({
      datasource: DS,
      refId: String.fromCharCode(65 + i),
      expr,
      legendFormat,
      range: true,
    })),
  });
  for (const slo of set.slos) {
    panels.push({
      id: ++id,
      type: 'row',
      title: `${slo.name} (${slo.service})`,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    const sel = `{slo="${slo.name}"}`;
    panels.push(panel('Objective', 'stat', 'percentunit', 4, 0, 6, [[`max(slo:objective:ratio${sel})`, 'objective']]));
    panels.push(
      panel(
        `Error budget remaining (${set.window})`,
        'stat',
        'percentunit',
        4,
        4,
        6,
        [[`min(slo:error_budget_remaining:ratio${sel})`, 'remaining']],
        {
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'red', value: null },
              { color: 'yellow', value: 0.25 },
              { color: 'green', value: 0.5 },
            ],
          },
        },
      ),
    );
    panels.push(panel('Burn rate (1 = spending the budget exactly over the window)', 'timeseries', 'none', 16, 8, 6, burnTargets(slo)));
    y += 6;
  }
  return dashboardJson({
    uid: 'slos',
    title: 'SLOs',
    description: 'Service level objectives (rendered from alerts/slos.yaml)',
    tags: ['slo'],
    panels,
    refresh: '1m',
    from: 'now-7d',
  });
}

function burnTargets(slo: Slo): [string, string][] {
  const budget = +(1 - slo.objective).toFixed(6);
  return ['5m', '1h', '6h', '1d', '3d'].map((w) => [`max(slo:sli_error:ratio_rate${w}{slo="${slo.name}"}) / ${budget}`, w]);
}
