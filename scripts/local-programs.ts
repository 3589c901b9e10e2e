import { buildSync } from 'esbuild';
import * as path from 'path';
// The programs, as imports the type checker and the layer lint see (no code is loaded: esbuild bundles them below).
import type { main as alertSink } from './alert-sink';
import type { main as demoEmitter } from './demo-emitter';
import type { main as otlpEmitter } from './otlp-emitter';

/**
 * The local stack's Node programs, bundled with esbuild into single plain
 * JavaScript files: the containers run them with the official node image and
 * nothing else (no host node_modules is mounted, so no platform-specific
 * binary, esbuild's for tsx, has to match the container). Bundled here, at
 * the edge, and handed to the pure `renderLocalBundle` as text: the programs
 * are this folder's own scripts.
 */
/** A program beside this file, whose main() its bundle calls with no argument (the type argument holds it to that). */
const program = <Main extends () => unknown>(source: string): { readonly source: string; readonly main?: Main } => ({ source });
const LOCAL_PROGRAMS = {
  'demo-emitter.js': program<typeof demoEmitter>('./demo-emitter'),
  'otlp-emitter.js': program<typeof otlpEmitter>('./otlp-emitter'),
  'alert-sink.js': program<typeof alertSink>('./alert-sink'),
};

/** The oldest Node the bundles must run on: the project's engines (the e2e test) and the image's LTS line both satisfy it. */
const TARGET = 'node20';

/**
 * File name -> bundled JavaScript, for every program of LOCAL_PROGRAMS (about
 * 0.3 s each). Bundled once per process: a command (local:up, local:render)
 * bundles once anyway, and the tests that call `main` many times in one
 * process pay once. Callers get their own copy.
 */
export function bundleLocalPrograms(): Record<string, string> {
  bundled ??= bundleAll();
  return { ...bundled };
}
let bundled: Readonly<Record<string, string>> | undefined;

function bundleAll(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { source }] of Object.entries(LOCAL_PROGRAMS)) {
    const result = buildSync({
      // The script's main() is called by the bundle itself: `require.main === module` does not hold inside a bundle.
      stdin: { contents: `import { main } from '${source}';\nmain();\n`, resolveDir: __dirname, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: TARGET,
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      banner: {
        js: `// Bundled from scripts/${path.basename(source)} by scripts/local-programs.ts. Do not edit; run npm run local:render.`,
      },
      absWorkingDir: path.resolve(__dirname, '..'),
    });
    out[name] = result.outputFiles[0].text;
  }
  return out;
}
