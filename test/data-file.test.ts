import { z } from 'zod';
import { compile } from '../lib/compile/compile';
import { checkData, parseYamlText } from '../lib/data-file';
import { baseFiles, inputErrorOf } from './helpers';

describe('data files', () => {
  test('fails when YAML does not parse: names the file, line and column, once', () => {
    const msg = inputErrorOf(() => parseYamlText('alerts/x.yaml', 'groups:\n  name: a: b\n'));
    expect(msg).toMatch(/^alerts\/x\.yaml: line 2, column \d+: is not valid YAML \(.+\)\. Fix: correct the YAML syntax there$/);
    expect(msg).not.toContain('\n');
  });

  test('a document YAML tags make other than plain data reaches the schema check, which names it', () => {
    const text = 'account: !!binary aGVsbG8=\n';
    const doc = parseYamlText('config/environments.yaml', text) as { account: unknown };
    expect(doc.account).toBeInstanceOf(Uint8Array);
    const msg = inputErrorOf(() => checkData('config/environments.yaml', doc, z.object({ account: z.string() }), 'x'));
    expect(msg).toMatch(/^config\/environments\.yaml: account: /);
    expect(msg).toContain('expected string');
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
    const msg = inputErrorOf(() => compile({ ...baseFiles, [file]: `${baseFiles[file]}\nbroken: [unclosed\n` }, 'dev'));
    expect(msg.startsWith(`${file}: line `)).toBe(true);
    expect(msg).toContain('is not valid YAML');
  });
});
