/**
 * How `cdk synth` loads the app's TypeScript (cdk.json "app":
 * `node --require ./bin/register.cjs bin/app.ts`): each `.ts` file the app
 * requires is transpiled by esbuild (a dependency of the project, already used
 * to bundle the Lambda handlers) with the options tsx uses (transpile only,
 * the project's tsconfig, inline source maps so stack traces name .ts lines;
 * type checking belongs to `npm run build` and the tests). Nothing to build
 * first: a fresh clone synthesizes after `npm ci`.
 *
 * Why not tsx, as before: tsx hooks every module load, aws-cdk-lib's and
 * cdk-nag's thousands of .js files included, and lexes each one for ESM
 * syntax; in a CPU profile of `cdk synth -c env=prod` that lexing alone took
 * about 0.7 s of 11.9 s. Here only `.ts` files pass through the hook.
 *
 * Two on-disk caches under node_modules/.cache/trading-observability/, both
 * checked against the source on every load, so an edit is never missed:
 * - ts/: the transpiled text of each file (one entry per source path, keyed
 *   by a hash of the source, esbuild's version and the options), so an
 *   unchanged file is not sent to esbuild again (about 0.4 s for the app's
 *   files otherwise);
 * - v8/: Node's module compile cache (`module.enableCompileCache`, Node >= 22.1),
 *   V8's compiled code of every module loaded, aws-cdk-lib's included.
 * Either cache may be deleted at any time; a cache that cannot be written
 * (read-only node_modules) is skipped.
 *
 * cdk.json also runs node with `--liftoff-only`: the one WebAssembly module
 * of a synth is CDK's CloudFormation rule engine (@aws/cloudformation-validate,
 * 9 MB), run once per synth. V8 would compile its hot functions again with
 * TurboFan on background threads, about 3 s of CPU for a run that ends before
 * the optimized code pays off; with Liftoff (V8's baseline wasm compiler) only,
 * validating the prod template took 0.57 s instead of 0.95 s and the
 * validator's whole process 3.4 s of CPU instead of 6.5 s (medians of 5,
 * standalone). Same engine, same rules, same findings; a V8 flag, so on the
 * command line (v8.setFlagsFromString at run time does not reach wasm tiering).
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'trading-observability');

if (typeof Module.enableCompileCache === 'function') Module.enableCompileCache(path.join(cacheDir, 'v8'));

const esbuild = require('esbuild');

/** tsx 4's transform options (dist/register-*.cjs), with the project's tsconfig. */
const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  platform: 'node',
  target: `node${process.versions.node}`,
  sourcemap: 'inline',
  sourcesContent: false,
  minifyWhitespace: true,
  keepNames: true,
  tsconfigRaw: fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'),
};
const VERSION = `${esbuild.version}\0${JSON.stringify(OPTIONS)}`;

function transpile(filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(VERSION).update('\0').update(filename).update('\0').update(source).digest('hex');
  const entry = path.join(cacheDir, 'ts', `${crypto.createHash('sha256').update(filename).digest('hex').slice(0, 32)}.js`);
  const header = `//${key}\n`;
  try {
    const cached = fs.readFileSync(entry, 'utf8');
    if (cached.startsWith(header)) return cached.slice(header.length);
  } catch {
    // Not cached yet.
  }
  const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
  try {
    // Written whole, then renamed: a concurrent synth reads the old entry or the new one, never half of one.
    fs.mkdirSync(path.dirname(entry), { recursive: true });
    const tmp = `${entry}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, header + code);
    fs.renameSync(tmp, entry);
  } catch {
    // A cache that cannot be written only costs the transpile next time.
  }
  return code;
}

process.setSourceMapsEnabled(true);
Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(transpile(filename), filename);
};
