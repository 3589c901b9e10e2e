import * as fs from 'fs';
import * as path from 'path';

/**
 * The context `cdk synth` gives the app: the `context` block of the project's
 * cdk.json (feature flags), with `extra` (e.g. `env`) on top. The tests, the
 * bench and the scale run synthesize with it, so what they check is what
 * `cdk synth` and `cdk deploy` produce, flags included.
 */
export function cdkContext(root: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const file = path.join(root, 'cdk.json');
  const context = fs.existsSync(file) ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: object }).context ?? {}) : {};
  return { ...context, ...extra };
}

/**
 * How `cdk synth` runs the app: the node options of cdk.json's "app"
 * (`node <options> bin/app.ts`: the TypeScript loader, V8 flags). The bench,
 * the scale run and the entry point's tests run bin/app.ts, or another entry,
 * with them under this process's node, so they time and test what `cdk synth`
 * runs.
 */
export function cdkAppOptions(root: string): string[] {
  const app = (JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { app?: string }).app ?? '';
  const words = app.trim().split(/\s+/);
  if (words[0] !== 'node' || words[words.length - 1] !== 'bin/app.ts') {
    throw new Error(`cdk.json's app is not "node <options> bin/app.ts": ${app}`);
  }
  return words.slice(1, -1);
}
