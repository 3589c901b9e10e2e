import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compile } from '../lib/compile/compile';
import { readProject } from '../lib/io/read-project';
import { parseCatalog } from '../lib/model/metric-catalog';
import { parsePrices } from '../lib/model/prices';
import { parseSlos } from '../lib/model/slos';
import { baseFiles, inputErrorOf, modelOf } from './helpers';

/** The data files the model cannot do without, and those whose absence means "none". */
const REQUIRED = [
  'config/environments.yaml',
  'catalog/metrics.yaml',
  'config/prices.yaml',
  'config/limits.yaml',
  'alerts/alertmanager.yaml',
  'logs/queries.yaml',
];
const OPTIONAL = ['alerts/slos.yaml', 'alerts/anomalies.yaml', 'alerts/logs.yaml', 'logs/analytics.yaml'];
const without = (file: string) => Object.fromEntries(Object.entries(baseFiles).filter(([f]) => f !== file));

describe('compile(files, env): the model from texts', () => {
  test.each(REQUIRED)('fails when %s is missing, naming it, in one line', (file) => {
    expect(inputErrorOf(() => compile(without(file), 'dev'))).toMatch(
      new RegExp(`^${file.replace(/\./g, '\\.')}: file: is missing\\. Fix: restore (it|${file.replace(/\./g, '\\.')}) from the repository`),
    );
  });

  test.each(OPTIONAL)('%s missing means none of it', (file) => {
    expect(() => compile(without(file), 'dev')).not.toThrow();
  });

  test('fails when alerts/thresholds.yaml is missing and a rule uses a threshold: no thresholds, named where used', () => {
    expect(inputErrorOf(() => compile(without('alerts/thresholds.yaml'), 'dev'))).toMatch(
      /^alerts\/[a-z-]+\.yaml: group "[a-z_]+", alert "\w+", expr: uses an unknown threshold \(got "\$\{threshold\.\w+\}"\)\. Fix: define "\w+" in alerts\/thresholds\.yaml/,
    );
  });

  test('the same files give the same model, and the files are not changed', () => {
    const files = { ...baseFiles };
    const a = compile(files, 'prod');
    expect(files).toEqual(baseFiles);
    const b = compile(files, 'prod');
    expect(b.ruleFiles.map((f) => f.text)).toEqual(a.ruleFiles.map((f) => f.text));
    expect(b.publishedDashboards.map((d) => d.text)).toEqual(a.publishedDashboards.map((d) => d.text));
    expect(modelOf('prod').ruleFiles.map((f) => f.text)).toEqual(a.ruleFiles.map((f) => f.text));
  });

  test('a changed file in memory changes the model: no cache between compiles', () => {
    const before = compile(baseFiles, 'dev');
    const thresholds = baseFiles['alerts/thresholds.yaml'].replace(/(pending_executions:\n\s+value: )\d+/, '$1987');
    const after = compile({ ...baseFiles, 'alerts/thresholds.yaml': thresholds }, 'dev');
    expect(before.thresholds.pending_executions.value).not.toBe(987);
    expect(after.thresholds.pending_executions.value).toBe(987);
    expect(after.ruleFiles.map((f) => f.text).join('\n')).toContain('> 987');
  });
});

describe('generated dashboards keep their uid and title free', () => {
  const overview = 'dashboards/trading-platform-overview.json';
  const edited = (edit: (d: Record<string, unknown>) => void) => {
    const d = JSON.parse(baseFiles[overview]) as Record<string, unknown>;
    edit(d);
    return { ...baseFiles, [overview]: JSON.stringify(d) };
  };

  test.each([
    [
      'uid',
      (d: Record<string, unknown>) => (d.uid = 'log-queries'),
      'uid: is the uid of the generated "Log queries" dashboard (got "log-queries")',
    ],
    [
      'title',
      (d: Record<string, unknown>) => (d.title = 'User behaviour'),
      'title: is the title of the generated "User behaviour" dashboard (got "User behaviour")',
    ],
    [
      'uid',
      (d: Record<string, unknown>) => (d.uid = 'observability-cost'),
      'uid: is the uid of the generated "Observability cost" dashboard',
    ],
  ])("fails when a repository dashboard takes a generated one's %s, naming the repository's file", (_what, edit, expected) => {
    expect(inputErrorOf(() => compile(edited(edit), 'dev'))).toContain(`${overview}: ${expected}`);
  });
});

describe('readProject(root): the data files of a folder, as texts', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'read-project-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('reads every data folder at any depth with / separators, follows links, leaves out hidden files and other folders', () => {
    write('alerts/a.yaml', 'a');
    write('alerts/tests/a.yaml', 't');
    write('dashboards/team/x.json', '{}');
    write('dashboards/.DS_Store', 'binary');
    write('dashboards/._x.json', 'fork');
    write('alerts/.hidden/b.yaml', 'b');
    write('lib/code.ts', 'not data');
    write('outside/linked.json', '{"linked":true}');
    fs.symlinkSync(path.join(root, 'outside/linked.json'), path.join(root, 'dashboards/linked.json'));
    expect(readProject(root)).toEqual({
      'alerts/a.yaml': 'a',
      'alerts/tests/a.yaml': 't',
      'dashboards/linked.json': '{"linked":true}',
      'dashboards/team/x.json': '{}',
    });
  });

  test('fails when a symbolic link points at nothing, naming it', () => {
    fs.symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'alerts/dangling.yaml'));
    expect(inputErrorOf(() => readProject(root))).toBe(
      'alerts/dangling.yaml: file: is a symbolic link to nothing. Fix: point it at an existing file, or remove it',
    );
    fs.rmSync(path.join(root, 'alerts/dangling.yaml'));
  });

  test("the repository's own files are what the tests compile", () => {
    expect(Object.keys(baseFiles)).toEqual(Object.keys(readProject()));
    expect(Object.isFrozen(baseFiles)).toBe(true);
  });
});

describe('parseX(file, text) names the file it was given, in every error', () => {
  const dup = (text: string) =>
    text.replace(
      /^metrics:\n/m,
      'metrics:\n  - { name: up_twice, type: gauge, unit: "1", services: [backend], description: d, labels: {} }\n  - { name: up_twice, type: gauge, unit: "1", services: [backend], description: d, labels: {} }\n',
    );
  test.each([
    ['a metric listed twice', () => parseCatalog('other/catalog.yaml', dup(baseFiles['catalog/metrics.yaml']))],
    [
      'a gauge with buckets',
      () =>
        parseCatalog(
          'other/catalog.yaml',
          dup(baseFiles['catalog/metrics.yaml']).replace('labels: {} }\n', 'labels: {}, buckets: [1] }\n'),
        ),
    ],
    [
      'a price tier out of order',
      () => parsePrices('other/prices.yaml', baseFiles['config/prices.yaml'].replace('upToSamples: 252000000000', 'upToSamples: 2000')),
    ],
    [
      'an SLO is defined twice',
      () =>
        parseSlos(
          'other/slos.yaml',
          baseFiles['alerts/slos.yaml'].replace('name: backend-availability', 'name: pipeline-execution-success'),
        ),
    ],
  ])('fails when %s, naming the given file', (_what, parse) => {
    expect(inputErrorOf(parse)).toMatch(/^other\/(catalog|prices|slos)\.yaml: /);
  });
});
