import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateDashboards } from '../lib/model/dashboards';
import { CATALOG_FILE, parseCatalog } from '../lib/model/metric-catalog';
import { main } from '../scripts/catalog-add';
import { baseFiles, inputErrorOf } from './helpers';

const fixtures = path.join(__dirname, 'fixtures/community-dashboards');
/** The collector's batch processor send_size boundaries, given on the command line as a user would. */
const BATCH_BUCKETS = '10,25,50,75,100,250,500,750,1000,2000,3000,4000,5000,6000,7000,8000,9000,10000,20000,30000,50000,100000';

/** What the command reads and writes (the environments, the catalog) and the community dashboards in dashboards/ (unchanged). */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-add-'));
  for (const file of ['config/environments.yaml', CATALOG_FILE]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), baseFiles[file]);
  }
  fs.mkdirSync(path.join(dir, 'dashboards'));
  for (const f of ['node-exporter-full.json', 'otel-collector-monitoringartist.json']) {
    fs.copyFileSync(path.join(fixtures, f), path.join(dir, 'dashboards', f));
  }
  return dir;
}

const catalogOf = (dir: string) => parseCatalog(CATALOG_FILE, fs.readFileSync(path.join(dir, CATALOG_FILE), 'utf8'));

function run(dir: string, ...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((m) => (err.push(String(m)), true));
  try {
    return { code: main(argv, dir), out: out.join('\n'), err: err.join('') };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

const validate = (dir: string, file: string) =>
  validateDashboards([{ file, text: fs.readFileSync(path.join(dir, file), 'utf8') }], catalogOf(dir), new Set());

describe('npm run catalog:add (scripts/catalog-add.ts)', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = project();
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('Node Exporter Full (rfmoz, Apache-2.0): synth lists all 229 unknown metrics at once; after one run the dashboard passes unchanged', () => {
    const dir = fresh();
    const file = 'dashboards/node-exporter-full.json';
    const before = fs.readFileSync(path.join(dir, 'catalog/metrics.yaml'), 'utf8');
    expect(inputErrorOf(() => validate(dir, file))).toMatch(
      /^dashboards\/node-exporter-full.json: queries: query 229 metric\(s\) that are neither in the catalog nor recording rules: node_uname_info \(templating variable "job"\), .* and 217 more\. Fix: declare them all with `npm run catalog:add -- dashboards\/node-exporter-full.json --service NAME`/,
    );
    const r = run(dir, file, '--service', 'backend');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('catalog/metrics.yaml: added 229 metric(s) queried by dashboards/node-exporter-full.json');
    const after = fs.readFileSync(path.join(dir, 'catalog/metrics.yaml'), 'utf8');
    // The rest of the catalog (comments, order, formatting) is kept byte for byte.
    expect(after.startsWith(before.trimEnd())).toBe(true);
    const catalog = catalogOf(dir);
    expect(catalog.get('node_cpu_seconds_total')).toMatchObject({
      type: 'counter',
      unit: 's',
      services: ['backend'],
      labels: { cpu: 1, mode: 1 },
    });
    expect(catalog.get('node_load1')).toMatchObject({ type: 'gauge', unit: '1' });
    expect(validate(dir, file)[0].panels.length).toBeGreaterThan(100);
    // A second run has nothing to add.
    expect(run(dir, file, '--service', 'backend').out).toContain('every metric it queries is in catalog/metrics.yaml already');
  });

  test('the OpenTelemetry Collector dashboard: its histogram gets --buckets, and it deploys unchanged', () => {
    const dir = fresh();
    const file = 'dashboards/otel-collector-monitoringartist.json';
    const r = run(dir, file, '--service', 'otel-collector', '--buckets', BATCH_BUCKETS);
    expect(r.code).toBe(0);
    expect(r.out).toContain('otelcol_processor_batch_batch_send_size (histogram)');
    expect(r.out).toContain('otelcol_receiver_accepted_spans_total (counter)');
    expect(catalogOf(dir).get('otelcol_processor_batch_batch_send_size')?.buckets).toHaveLength(22);
    // It then deploys unchanged: its heatmap of rated buckets and its node graphs are what those panels show.
    expect(validate(dir, file)[0].panels.length).toBe(30);
  });

  test('fails when a histogram is added without --buckets: the placeholder is refused until filled in', () => {
    const dir = fresh();
    expect(run(dir, 'dashboards/otel-collector-monitoringartist.json', '--service', 'otel-collector').out).toContain(
      'Fill in buckets and bucketsSource of otelcol_processor_batch_batch_send_size',
    );
    expect(inputErrorOf(() => catalogOf(dir))).toMatch(
      /^catalog\/metrics.yaml: metrics\[\d+\]\.buckets: is the placeholder `npm run catalog:add` left \(got "TODO: the le boundaries its instrumentation produces"\)\. Fix: add the bucket boundaries/,
    );
  });

  test('fails when --service is not a service of config/environments.yaml nor the collector', () => {
    const dir = fresh();
    const r = run(dir, 'dashboards/node-exporter-full.json', '--service', 'node');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'catalog:add: --service: is not a service of config/environments.yaml nor the collector (got "node"). Fix: pass --service with the service that exports the dashboard\'s metrics: one of backend, celery-worker, signal-generator, trigger-dispatcher, otel-collector\n',
    );
  });

  test('fails when --buckets are not increasing', () => {
    const r = run(fresh(), 'dashboards/otel-collector-monitoringartist.json', '--service', 'otel-collector', '--buckets', '1,0.5');
    expect(r.err).toContain('catalog:add: --buckets: is not a list of finite boundaries in increasing order (got "1,0.5")');
  });
});
