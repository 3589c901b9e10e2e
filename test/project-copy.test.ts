import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyProject } from '../scripts/scale/project-copy';

const repo = path.resolve(__dirname, '..');

describe('copyProject', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'project-copy-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('copies code and data by default (an entry point run in the copy, as in test/cli.test.ts, needs code of its own)', () => {
    const dir = copyProject(repo, path.join(tmp, 'full'));
    for (const d of ['bin', 'lib', 'scripts', 'config', 'catalog', 'alerts', 'dashboards', 'logs']) {
      expect([d, fs.lstatSync(path.join(dir, d)).isDirectory()]).toEqual([d, true]);
    }
    expect(fs.readFileSync(path.join(dir, 'lib/app.ts'), 'utf8')).toBe(fs.readFileSync(path.join(repo, 'lib/app.ts'), 'utf8'));
    expect(fs.lstatSync(path.join(dir, 'node_modules')).isSymbolicLink()).toBe(true);
  });

  test('with linkCode, links the code and copies the data: a change to the copy’s data leaves the project alone', () => {
    const dir = copyProject(repo, path.join(tmp, 'linked'), { linkCode: true });
    for (const d of ['bin', 'lib', 'scripts']) expect([d, fs.readlinkSync(path.join(dir, d))]).toEqual([d, path.join(repo, d)]);
    const catalog = path.join(dir, 'catalog/metrics.yaml');
    fs.appendFileSync(catalog, '# changed in the copy\n');
    expect(fs.lstatSync(catalog).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(repo, 'catalog/metrics.yaml'), 'utf8')).not.toContain('# changed in the copy');
    // What the entry point's loader reads: cdk.json's app (bin/register.cjs) and tsconfig.json.
    for (const f of ['cdk.json', 'tsconfig.json'])
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).toBe(fs.readFileSync(path.join(repo, f), 'utf8'));
  });
});
