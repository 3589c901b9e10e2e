import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { parse, stringify } from 'yaml';
import { buildApp } from '../../lib/app';
import { cdkContext } from '../../lib/io/cdk-context';
import { validateDashboards } from '../../lib/model/dashboards';
import { compile } from '../../lib/compile/compile';
import { CATALOG_FILE, parseCatalog } from '../../lib/model/metric-catalog';
import { baseFiles, inputErrorOf, modelOf } from '../helpers';

const repo = path.resolve(__dirname, '../..');
const fixtures = path.join(__dirname, '../fixtures/third-party-dashboards');
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name), 'utf8');

/** The project's files with the redis metrics added to its catalog, as README's "Add a dashboard" says. */
function projectWithRedisMetrics(): Record<string, string> {
  const doc = parse(baseFiles[CATALOG_FILE]);
  doc.metrics.push(...parse(fixture('redis-metrics.yaml')), ...parse(fixture('celery-metrics.yaml')));
  return { ...baseFiles, [CATALOG_FILE]: stringify(doc) };
}

describe('dashboards exported from another Grafana (real third-party exports)', () => {
  const files = projectWithRedisMetrics();
  const catalog = parseCatalog(CATALOG_FILE, files[CATALOG_FILE]);

  test('an export "for sharing externally" (__inputs, ${DS_PROM}, a data source variable named DS_PROM) resolves to our data sources', () => {
    const [d] = validateDashboards([{ file: 'dashboards/redis/redis.json', text: fixture('redis-exporter-1x.json') }], catalog, new Set());
    const json = JSON.parse(d.text);
    for (const key of ['__inputs', '__requires', '__elements', 'id']) expect(json).not.toHaveProperty(key);
    expect(d.text).not.toContain('${DS_PROM}');
    const refs = new Set<string>();
    JSON.stringify(json, (k, v) => (k === 'datasource' && (refs.add(JSON.stringify(v)), v)) || v);
    expect([...refs].sort()).toEqual(['{"type":"datasource","uid":"grafana"}', '{"type":"prometheus","uid":"prometheus"}'].sort());
    expect(json.templating.list[0]).toMatchObject({ name: 'DS_PROM', type: 'datasource', query: 'prometheus' });
    expect(d).toMatchObject({
      uid: 'e008bc3f-81a2-40f9-baf2-a33fd8dec7ec',
      folder: 'redis',
      title: 'Redis Dashboard for Prometheus Redis Exporter 1.x',
    });
    expect(d.panels.filter((p) => p.queries.length > 0)).toHaveLength(13);
  });

  test('an old export (string datasource "${DS_PROMETHEUS}", no uid, singlestat/graph units) resolves, with a uid from its file name', () => {
    const [d] = validateDashboards([{ file: 'dashboards/redis-old.json', text: fixture('redis-exporter-0.3x.json') }], catalog, new Set());
    const json = JSON.parse(d.text);
    expect(d.uid).toBe('redis-old');
    expect(json.panels[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
    expect(json.templating.list[0].datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
  });

  test('a celery-exporter dashboard (data source variable $datasource, query variables, histogram panels) passes as it is', () => {
    const text = fixture('celery-exporter-tasks-overview.json');
    const [d] = validateDashboards([{ file: 'dashboards/celery.json', text }], catalog, new Set());
    expect(d.uid).toBe('celery-tasks-overview-32s3');
    expect(d.panels.filter((p) => p.queries.length > 0).length).toBeGreaterThan(5);
    expect(JSON.parse(d.text).templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
  });

  test('fails when a dashboard uses the rows layout of Grafana 4, saying how to convert it', () => {
    expect(
      inputErrorOf(() =>
        validateDashboards([{ file: 'dashboards/r.json', text: fixture('redis-exporter-2016-rows.json') }], catalog, new Set()),
      ),
    ).toBe(
      'dashboards/r.json: rows: uses the "rows" layout of Grafana 4 and earlier (schemaVersion 12), which Grafana converts only when it loads the dashboard in its UI. Fix: import it once into any Grafana 5 or later (Dashboards > New > Import), save it, and export it again into dashboards/',
    );
  });

  test('fails when the metrics of an added dashboard are not in the catalog yet', () => {
    expect(
      inputErrorOf(() =>
        validateDashboards([{ file: 'dashboards/redis.json', text: fixture('redis-exporter-1x.json') }], modelOf().catalog, new Set()),
      ),
    ).toMatch(
      /^dashboards\/redis.json: queries: query \d+ metric\(s\) that are neither in the catalog nor recording rules: redis_up \(templating variable "namespace"\), .* and \d+ more\. Fix: declare them all with `npm run catalog:add -- dashboards\/redis.json --service NAME`/,
    );
  });

  test('README "Add a dashboard": the export dropped into dashboards/ synthesizes, and AMG and local Grafana get it resolved', () => {
    files['dashboards/redis/redis.json'] = fixture('redis-exporter-1x.json');
    const model = compile(files, 'staging');
    expect(model.dashboards.map((d) => d.file)).toContain('dashboards/redis/redis.json');

    // In-process, as `cdk synth -c env=staging` in that folder builds it (the entry point has its own tests in test/cli.test.ts).
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'third-party-'));
    const app = new App({ outdir: out, context: cdkContext(repo, { env: 'staging', 'aws:cdk:bundling-stacks': [] }) });
    buildApp(app, { files });
    app.synth();
    // The importer's bundle (an S3 asset) carries the resolved dashboard, in its subfolder.
    const bundles = fs
      .readdirSync(out, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.template.json') && !f.endsWith('manifest.json') && !f.endsWith('assets.json'))
      .map((f) => fs.readFileSync(path.join(out, f), 'utf8'))
      .filter((t) => t.includes('"dashboards":'));
    expect(bundles).toHaveLength(1);
    const redis = (JSON.parse(bundles[0]).dashboards as { file: string; folder: string; text: string }[]).find(
      (d) => d.file === 'dashboards/redis/redis.json',
    );
    expect(redis?.folder).toBe('redis');
    expect(redis?.text).not.toContain('__inputs');
    expect(redis?.text).not.toContain('${DS_PROM}');
    // The file itself is unchanged.
    expect(files['dashboards/redis/redis.json']).toBe(fixture('redis-exporter-1x.json'));
  });
});
