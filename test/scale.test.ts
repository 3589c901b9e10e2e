import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { readProject } from '../lib/io/read-project';
import { cdkContext } from '../lib/io/cdk-context';
import { inspectAssembly, loadLimits, overLimits } from '../scripts/scale/scale-report';
import { writeSyntheticProject } from '../scripts/scale/synthetic-project';

const repo = path.resolve(__dirname, '..');

describe('scale guard: the platform at 12x (50 services, 75 dashboards, 500 alert rules)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-test-'));
  const dir = writeSyntheticProject(repo, path.join(tmp, 'p'), { services: 50, dashboards: 75, alertRules: 500 }, { linkCode: true });
  const out = path.join(dir, 'cdk.out');
  // In-process, Lambda bundling included (the assets' sizes are figures); `npm run bench` times the same synth through the entry point.
  const app = new App({ outdir: out, context: cdkContext(dir, { env: 'prod' }) });
  buildApp(app, { files: readProject(dir) });
  app.synth();
  const figures = inspectAssembly(out, loadLimits(repo));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('every figure is within its limit', () => {
    const { hard, quota } = overLimits(figures);
    expect(hard).toEqual([]);
    expect(quota).toEqual([]);
  });

  test('per-service resources move to nested stacks of at most 40 services', () => {
    const nested = fs.readdirSync(out).filter((f) => f.endsWith('.nested.template.json') && f.includes('Services'));
    // 51 log groups (50 services and the collector), each in the nested stack its name hashes to (lib/model/placement.ts).
    expect(nested.length).toBeGreaterThan(1);
    const resources = figures.filter((f) => f.unit === 'resources').map((f) => f.value);
    expect(Math.max(...resources)).toBeLessThanOrEqual(400);
  });

  test('the collector configuration is split into fragments under the SSM size', () => {
    const fragments = figures.filter((f) => f.what.startsWith('SSM /trading-observability/prod/otel-collector/config'));
    // Whole components packed greedily under 7,000 bytes (collectorConfigFragments);
    // that ADOT merges them back into the whole is tested in test/contracts/adot.test.ts.
    expect(fragments.length).toBeGreaterThan(4);
    for (const f of fragments) expect(f.value).toBeLessThan(8192);
  });

  test('dashboards ship in one S3 asset, not in the template', () => {
    const main = JSON.parse(fs.readFileSync(path.join(out, 'ObservabilityStack.template.json'), 'utf8'));
    expect(JSON.stringify(main)).not.toContain('Synthetic 12');
    const assets = fs.readdirSync(out).filter((f) => /^asset\..*\.json$/.test(f));
    const bundle = assets.map((a) => JSON.parse(fs.readFileSync(path.join(out, a), 'utf8'))).find((j) => Array.isArray(j.dashboards));
    expect(bundle.dashboards.map((d: { uid: string }) => d.uid)).toEqual(
      expect.arrayContaining(['synthetic-0', 'synthetic-74', 'trading-platform-overview']),
    );
  });
});
