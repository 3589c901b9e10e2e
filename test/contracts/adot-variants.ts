/**
 * Every collector configuration the project can render, for the contract
 * checks (adot.test.ts) and the real collector's validation
 * (test/tools/collector-validate.test.ts): every environment, every exporter
 * combination it allows, both AWS discovery modes, and the 200-service
 * variant of prod.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { readProject } from '../../lib/io/read-project';
import { CATALOG_FILE, MetricCatalog, parseCatalog } from '../../lib/model/metric-catalog';
import { renderCollectorConfig } from '../../lib/render/collector-config';
import { writeSyntheticProject } from '../../scripts/scale/synthetic-project';
import { environmentOf, modelOf } from '../helpers';

const repo = path.resolve(__dirname, '../..');
export const catalog = modelOf().catalog;
/** The AWS destinations a deployed stack passes (their values only need the right shape here). */
export const AWS_TO = {
  region: 'eu-west-1',
  ampRemoteWriteUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
  emfLogGroupName: '/app/prod/metrics-emf',
  scalingLogGroupName: '/app/prod/scaling-signals',
};
const OTLP = { endpoint: 'https://otlp.vendor.example', authHeader: 'api-key', authSecretName: 'vendor/key' };

/** Every environment, every exporter combination it allows, both AWS discovery modes. */
export function variants(cat: MetricCatalog, envs: EnvironmentConfig[], label = ''): [string, EnvironmentConfig, MetricCatalog][] {
  const out: [string, EnvironmentConfig, MetricCatalog][] = [];
  for (const env of envs) {
    const aws = env.target === 'aws';
    const metrics = aws ? (['amp', 'cloudwatch', 'otlp'] as const) : (['prometheus', 'otlp'] as const);
    const traces = aws ? (['xray', 'otlp', 'none'] as const) : (['jaeger', 'otlp', 'none'] as const);
    const discoveries: EnvironmentConfig['discovery'][] = aws
      ? [env.discovery, { mode: 'ecs', clusterName: 'platform', serviceLabel: 'com.trading.service' }]
      : [env.discovery];
    for (const m of metrics)
      for (const t of traces)
        for (const d of discoveries) {
          const variant: EnvironmentConfig = {
            ...env,
            discovery: d,
            collector: { ...env.collector, replicas: m === 'amp' ? env.collector.replicas : 1 },
            exporters: { ...env.exporters, metrics: m, traces: t, otlp: OTLP },
          };
          out.push([`${label}${env.name} metrics=${m} traces=${t} discovery=${d.mode}`, variant, cat]);
        }
  }
  return out;
}

export const renderVariant = (env: EnvironmentConfig, cat: MetricCatalog) =>
  renderCollectorConfig({ environment: env, catalog: cat }, env.target === 'aws' ? AWS_TO : {});

export const BASE_ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'].map((n) => environmentOf(n));

/**
 * The 200-service variants of prod, in a synthetic project under `tmp`. At 200 services what changes is the
 * size of the scrape configuration and of the catalog's processors, so the fragments: every metrics exporter
 * and both discovery modes (the trace exporters add small components, and every combination of them is covered
 * at the real size).
 */
export function scaleVariants(tmp: string): [string, EnvironmentConfig, MetricCatalog][] {
  const scaleRoot = writeSyntheticProject(repo, path.join(tmp, 'p'), { services: 200, dashboards: 0, alertRules: 0 }, { linkCode: true });
  const files = readProject(scaleRoot);
  const scaleProd = environmentOf('prod', files);
  return variants(parseCatalog(CATALOG_FILE, files[CATALOG_FILE]), [scaleProd], 'scale x200: ').filter(
    ([, v]) => v.exporters.traces === scaleProd.exporters.traces,
  );
}

/** A temporary folder for scaleVariants, removed after the file's tests. */
export function scaleTmp(): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'adot-variants-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  return tmp;
}
