import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { libraryExample } from './library-example';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The example of docs/constructs.md as another CDK app really runs it: its own folder outside this repository, the library
 * installed as `node_modules/trading-observability` (a link to this repository, as `npm install <path>` makes one),
 * run by node with tsx (no jest module mapping, no paths mapping). aws-cdk-lib and constructs are linked to this
 * repository's copies so that the app and the library share one aws-cdk-lib, as npm's deduplication gives a consumer.
 */
describe('the example of docs/constructs.md as a separate app', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-app-'));
  const example = libraryExample(ROOT);
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'trading-observability'), 'dir');
  for (const dep of ['aws-cdk-lib', 'constructs'])
    fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
  fs.writeFileSync(path.join(dir, 'app.ts'), example);
  const outdir = path.join(dir, 'cdk.out');
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const run = spawnSync(process.execPath, ['--import', `file://${tsx}`, 'app.ts'], {
    cwd: dir,
    env: { ...process.env, CDK_OUTDIR: outdir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("imports 'trading-observability/lib' through node_modules, runs and synthesizes", () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'PaymentsMonitoring.template.json'), 'utf8'));
    const resources = Object.values<any>(template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::APS::Workspace')).toHaveLength(1);
    expect(resources.filter((r) => r.Type === 'AWS::Grafana::Workspace')).toHaveLength(1);
    // legacy.grantQuery(grafana.role): the imported workspace's grant lands on Grafana's role, on that workspace's ARN.
    const statements = resources.filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement);
    const legacy = statements.filter((s) => JSON.stringify(s.Resource).includes(':workspace/ws-0123abcd-4567-89ef-0123-456789abcdef'));
    expect(legacy).toEqual([expect.objectContaining({ Action: expect.arrayContaining(['aps:QueryMetrics']) })]);
  });
});
