import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import { checkData, parseYamlText } from '../lib/data-file';
import { loadRouting } from '../lib/model/routing';
import { copyProject } from '../lib/project-copy';
import { inputErrorOf } from './helpers';

const repo = path.resolve(__dirname, '..');

describe('data files', () => {
  test('fails when YAML does not parse: names the file, line and column, once', () => {
    const msg = inputErrorOf(() => parseYamlText('alerts/x.yaml', 'groups:\n  name: a: b\n'));
    expect(msg).toMatch(/^alerts\/x\.yaml: line 2, column \d+: is not valid YAML \(.+\)\. Fix: correct the YAML syntax there$/);
    expect(msg).not.toContain('\n');
  });

  test('a text is parsed once per process: later readers get the same deep-frozen document', () => {
    const text = 'groups:\n  - name: memo\n    rules: [{ record: a, expr: up }]\n';
    const first = parseYamlText('alerts/a.yaml', text) as { groups: { name: string; rules: object[] }[] };
    expect(parseYamlText('alerts/b.yaml', text)).toBe(first);
    expect(Object.isFrozen(first.groups[0].rules[0])).toBe(true);
    expect(() => {
      first.groups[0].name = 'changed';
    }).toThrow(TypeError);
    // Another text is another document; a broken text is not remembered, and names its own file each time.
    expect(parseYamlText('alerts/c.yaml', `${text}# changed\n`)).not.toBe(first);
    expect(inputErrorOf(() => parseYamlText('alerts/d.yaml', 'a: [\n'))).toMatch(/^alerts\/d\.yaml: /);
    expect(inputErrorOf(() => parseYamlText('alerts/e.yaml', 'a: [\n'))).toMatch(/^alerts\/e\.yaml: /);
  });

  test('a document YAML tags make other than plain data is neither frozen nor remembered: the schema check names it', () => {
    const text = 'account: !!binary aGVsbG8=\n';
    const doc = parseYamlText('config/environments.yaml', text) as { account: unknown };
    expect(doc.account).toBeInstanceOf(Uint8Array);
    expect(Object.isFrozen(doc)).toBe(false);
    expect(parseYamlText('config/environments.yaml', text)).not.toBe(doc);
    const msg = inputErrorOf(() => checkData('config/environments.yaml', doc, z.object({ account: z.string() }), 'x'));
    expect(msg).toMatch(/^config\/environments\.yaml: account: /);
  });

  test('fails when a file is empty: the top level is named as the place', () => {
    const msg = inputErrorOf(() =>
      checkData('logs/queries.yaml', parseYamlText('logs/queries.yaml', ''), z.object({ queries: z.array(z.string()) }), 'x'),
    );
    expect(msg).toMatch(/^logs\/queries\.yaml: top level: /);
  });

  test('fails when a field has the wrong type: names the field and the value', () => {
    const msg = inputErrorOf(() =>
      checkData(
        'catalog/metrics.yaml',
        { metrics: [{ name: 7 }] },
        z.object({ metrics: z.array(z.object({ name: z.string() })) }),
        'the header',
      ),
    );
    expect(msg).toContain('catalog/metrics.yaml: metrics[0].name: ');
    expect(msg).toContain('(got 7)');
  });

  // Every YAML file the app reads (model and routing) goes through the same reader: a syntax
  // error in any of them is one message naming that file.
  const files = [
    'catalog/metrics.yaml',
    'alerts/thresholds.yaml',
    'alerts/alertmanager.yaml',
    'alerts/slos.yaml',
    'alerts/anomalies.yaml',
    'alerts/platform-health.yaml',
    'logs/queries.yaml',
  ];
  test.each(files)('fails when %s is not valid YAML, naming it', (file) => {
    const dir = copyProject(repo, fs.mkdtempSync(path.join(os.tmpdir(), 'data-file-')), { linkCode: true });
    try {
      fs.appendFileSync(path.join(dir, file), '\nbroken: [unclosed\n');
      const msg = inputErrorOf(() => (loadRouting(dir), loadModel(dir, loadEnvironment('dev', { root: dir }))));
      expect(msg.startsWith(`${file}: line `)).toBe(true);
      expect(msg).toContain('is not valid YAML');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
