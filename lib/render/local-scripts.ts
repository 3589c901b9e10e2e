import { buildSync } from 'esbuild';
import * as path from 'path';

/**
 * The local stack's Node programs, bundled with esbuild into single plain
 * JavaScript files at render time. The containers run them with the official
 * node image and nothing else: no host node_modules is mounted, so no
 * platform-specific binary (esbuild's, for tsx) has to match the container.
 */
const LOCAL_SCRIPTS = {
  'demo-emitter.js': 'scripts/demo-emitter.ts',
  'otlp-emitter.js': 'scripts/otlp-emitter.ts',
  'alert-sink.js': 'scripts/alert-sink.ts',
} as const;

/** The oldest Node the bundles must run on: the project's engines (the e2e test) and the image's LTS line both satisfy it. */
const TARGET = 'node20';

/** The scripts are code, so they come from this checkout (not from a data root such as a project copy). */
const SOURCE_ROOT = path.resolve(__dirname, '../..');

/** file name -> bundled JavaScript, for every program in LOCAL_SCRIPTS. */
export function bundleLocalScripts(root: string = SOURCE_ROOT): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of Object.entries(LOCAL_SCRIPTS)) {
    const result = buildSync({
      // The script's main() is called by the bundle itself: `require.main === module` does not hold inside a bundle.
      stdin: { contents: `import { main } from './${source.replace(/\.ts$/, '')}';\nmain();\n`, resolveDir: root, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: TARGET,
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      banner: { js: `// Bundled from ${source} by lib/render/local-scripts.ts. Do not edit; run npm run local:render.` },
      absWorkingDir: path.resolve(root),
    });
    out[name] = result.outputFiles[0].text;
  }
  return out;
}
