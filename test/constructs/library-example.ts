import * as fs from 'fs';
import * as path from 'path';

/** The construct library's example, as the tests read it: docs/constructs.md ("Using the constructs in another CDK app"). */
export const LIBRARY_DOC = 'docs/constructs.md';
/** The module name the example imports the library by (mapped to lib/index.ts, as a consuming workspace would). */
export const LIBRARY_MODULE = 'trading-observability/lib';

/** The first fenced `ts` block of docs/constructs.md in the repository at `root`. */
export function libraryExample(root: string): string {
  const doc = fs.readFileSync(path.join(root, LIBRARY_DOC), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error(`${LIBRARY_DOC}: no \`\`\`ts block`);
  return block[1];
}
