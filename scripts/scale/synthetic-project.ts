import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { copyProject, CopyProjectOptions } from './project-copy';

export interface ScaleShape {
  readonly services: number;
  readonly dashboards: number;
  readonly alertRules: number;
}

/** The "50x the platform". */
export const FULL_SCALE: ScaleShape = { services: 200, dashboards: 300, alertRules: 2000 };

/**
 * Writes a copy of the project (code and data) whose model is scaled up:
 * `services` services (each with its own counter and histogram in the
 * catalog), `alertRules` extra alert rules in files of 100, and `dashboards`
 * extra dashboards of six panels. Returns the copy's root.
 */
export function writeSyntheticProject(repo: string, dir: string, shape: ScaleShape, options: CopyProjectOptions = {}): string {
  copyProject(repo, dir, options);
  const names = Array.from({ length: shape.services }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  const metric = (s: string) => s.replace(/-/g, '_');

  const envFile = path.join(dir, 'config/environments.yaml');
  const envs = parse(fs.readFileSync(envFile, 'utf8')) as {
    defaults: { services: unknown[] };
    environments: Record<string, { scaling?: unknown } | null>;
  };
  envs.defaults.services = names.map((name) => ({ name, port: 8001, path: '/metrics' }));
  // The platform's services are gone, and with them what scaled them.
  for (const env of Object.values(envs.environments)) if (env) delete env.scaling;
  fs.writeFileSync(envFile, stringify(envs));

  const catalogFile = path.join(dir, 'catalog/metrics.yaml');
  const catalog = parse(fs.readFileSync(catalogFile, 'utf8')) as { metrics: unknown[] };
  for (const s of names) {
    catalog.metrics.push({
      name: `${metric(s)}_requests_total`,
      type: 'counter',
      unit: '1',
      services: [s],
      description: `Requests of ${s}`,
      labels: { status: 3 },
    });
    catalog.metrics.push({
      name: `${metric(s)}_duration_seconds`,
      type: 'histogram',
      unit: 's',
      services: [s],
      description: `Request time of ${s}`,
      labels: {},
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      bucketsSource: 'synthetic: the HTTP semantic conventions advice',
    });
  }
  fs.writeFileSync(catalogFile, stringify(catalog));

  const perFile = 100;
  for (let f = 0; f * perFile < shape.alertRules; f++) {
    const rules = [];
    for (let r = f * perFile; r < Math.min(shape.alertRules, (f + 1) * perFile); r++) {
      const s = names[r % names.length];
      rules.push({
        alert: `Synthetic${r}`,
        expr: `sum by (job) (rate(${metric(s)}_requests_total{status="error"}[5m])) / sum by (job) (rate(${metric(s)}_requests_total[5m])) > 0.05`,
        for: '5m',
        labels: { severity: ['critical', 'warning', 'info'][r % 3], service: s },
        annotations: {
          summary: `${s} error ratio high`,
          description: `{{ $labels.job }} errors at {{ $value | humanizePercentage }}.`,
          runbook_url: `https://runbooks.example.com/${s}#synthetic${r}`,
          dashboard_url: `/d/synthetic-${r % Math.max(1, shape.dashboards)}`,
        },
      });
    }
    fs.writeFileSync(
      path.join(dir, `alerts/synthetic-${String(f).padStart(3, '0')}.yaml`),
      stringify({ groups: [{ name: `synthetic_${f}`, interval: '30s', rules }] }),
    );
  }

  fs.mkdirSync(path.join(dir, 'dashboards/synthetic'), { recursive: true });
  for (let d = 0; d < shape.dashboards; d++) {
    const panels = Array.from({ length: 6 }, (_, p) => {
      const s = metric(names[(d * 6 + p) % names.length]);
      const expr =
        p % 2 === 0
          ? `sum(rate(${s}_requests_total[$__rate_interval]))`
          : `histogram_quantile(0.95, sum by (le) (rate(${s}_duration_seconds_bucket[$__rate_interval])))`;
      return {
        id: p + 1,
        type: 'timeseries',
        title: `Panel ${p}`,
        datasource: { type: 'prometheus', uid: 'prometheus' },
        gridPos: { h: 8, w: 12, x: (p % 2) * 12, y: Math.floor(p / 2) * 8 },
        fieldConfig: { defaults: { unit: p % 2 === 0 ? 'ops' : 's' }, overrides: [] },
        targets: [{ refId: 'A', expr, datasource: { type: 'prometheus', uid: 'prometheus' } }],
      };
    });
    fs.writeFileSync(
      path.join(dir, `dashboards/synthetic/synthetic-${d}.json`),
      JSON.stringify({ uid: `synthetic-${d}`, title: `Synthetic ${d}`, schemaVersion: 39, panels }, null, 2),
    );
  }
  return dir;
}
