import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { LIBRARY_MODULE, libraryExample } from '../constructs/library-example';

/*
 * The TypeScript compiler on the whole library (declarations emitted, as a
 * consumer's build would read them) and the example of docs/constructs.md: a full type
 * check against aws-cdk-lib's declarations, about 10 s of compiler time, so
 * it runs with the other real tools (`npm run test:tools`); the example's
 * behaviour is tested in test/constructs/library.test.ts.
 */
const ROOT = path.resolve(__dirname, '..', '..');

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
  const exampleFile = path.join(ROOT, 'test', 'constructs', '__library-example__.ts');
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

describe('the construct library, compiled', () => {
  const example = libraryExample(ROOT);
  const { diagnostics, outDir } = compile(example);
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  test('tsc emits its declarations (tsconfig.lib.json) without errors, and the example of docs/constructs.md type-checks against them', () => {
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
});
