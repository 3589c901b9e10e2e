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
