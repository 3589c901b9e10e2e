import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import * as library from '../../lib';

const ROOT = path.resolve(__dirname, '..', '..');
const SECTION = 'Using the constructs in another CDK app';
/** The module name the README example imports the library by (mapped to lib/index.ts, as a consuming workspace would). */
const LIBRARY_MODULE = 'trading-observability/lib';

/** The first fenced `ts` block of the README's library section. */
export function readmeExample(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${SECTION}\n`));
  if (!section) throw new Error(`README.md: no section "## ${SECTION}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README.md: the section "${SECTION}" has no \`\`\`ts block`);
  return block[1];
}

/**
 * Type-checks the library's entry point and the example together under
 * tsconfig.lib.json (declarations on), emitting the declarations to a
 * temporary folder; the example is served from memory at a path inside the
 * repository so that it resolves aws-cdk-lib like any file here.
 */
function compile(example: string): { diagnostics: string[]; outDir: string } {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.lib.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-dts-'));
  const exampleFile = path.join(ROOT, 'test', 'constructs', '__readme-example__.ts');
  const options: ts.CompilerOptions = {
    ...config.options,
    outDir,
    baseUrl: ROOT,
    paths: { [LIBRARY_MODULE]: ['lib/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    path.resolve(file) === exampleFile ? ts.createSourceFile(file, example, lang) : getSourceFile(file, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === exampleFile || fileExists(file);
  const program = ts.createProgram({ rootNames: [...config.fileNames, exampleFile], options, host });
  const all = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  const diagnostics = all.map((d) => {
    const where = d.file ? `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
  return { diagnostics, outDir };
}

/** Runs the example (CommonJS), with the library module mapped to lib/index.ts; returns the apps it made. */
function run(example: string): cdk.App[] {
  const apps: cdk.App[] = [];
  class RecordedApp extends cdk.App {
    constructor(props?: cdk.AppProps) {
      // Lambda bundling skipped, as in every test here.
      super({ ...props, context: { ...props?.context, 'aws:cdk:bundling-stacks': [] } });
      apps.push(this);
    }
  }
  const core = new Proxy(cdk, { get: (target, key) => (key === 'App' ? RecordedApp : target[key as keyof typeof cdk]) });
  const load = (id: string): unknown => {
    if (id === LIBRARY_MODULE) return library;
    if (id === 'aws-cdk-lib') return core;
    // jest's require: the example shares this test's module registry (one aws-cdk-lib).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id);
  };
  const js = ts.transpileModule(example, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const module = { exports: {} };
  // The example as a CommonJS module body, in this test's context (jest's sandbox).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('require', 'module', 'exports', js)(load, module, module.exports);
  return apps;
}

describe('the construct library', () => {
  const example = readmeExample(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const { diagnostics, outDir } = compile(example);

  test('tsc emits its declarations (tsconfig.lib.json) without errors, and the README example type-checks against them', () => {
    expect(diagnostics).toEqual([]);
    const index = fs.readFileSync(path.join(outDir, 'lib', 'index.d.ts'), 'utf8');
    for (const name of [
      'PrometheusWorkspace',
      'IPrometheusWorkspace',
      'GrafanaWorkspace',
      'AlertRouting',
      'CollectorService',
      'ResourceNames',
    ])
      expect(index).toContain(name);
  });

  test('the README example runs and synthesizes what it says', () => {
    const [app] = run(example);
    const stack = app.node.children.find((c): c is cdk.Stack => cdk.Stack.isStack(c))!;
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::APS::Workspace', 1);
    t.resourceCountIs('AWS::Grafana::Workspace', 1);
    const topics = Object.values(t.findResources('AWS::SNS::Topic')).map((r) => r.Properties.TopicName as string);
    expect(topics.sort()).toEqual(['payments-prod-alerts-page', 'payments-prod-alerts-ticket', 'payments-prod-alerts-watchdog']);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({
          Expression: { 'Fn::Join': ['', [Match.stringLikeRegexp('^SELECT SUM\\(DiscardedSamples\\)'), Match.anyValue(), "'"]] },
        }),
      ],
    });
  });
});
