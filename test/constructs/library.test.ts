import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';
import * as library from '../../lib';
import { LIBRARY_MODULE, libraryExample } from './library-example';

const ROOT = path.resolve(__dirname, '..', '..');
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
  const example = libraryExample(ROOT);

  test('the example of docs/constructs.md runs and synthesizes what it says', () => {
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
