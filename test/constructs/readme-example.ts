/** The README's library example, as the tests read it. */
const SECTION = 'Using the constructs in another CDK app';
/** The module name the README example imports the library by (mapped to lib/index.ts, as a consuming workspace would). */
export const LIBRARY_MODULE = 'trading-observability/lib';

/** The first fenced `ts` block of the README's library section. */
export function readmeExample(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${SECTION}\n`));
  if (!section) throw new Error(`README.md: no section "## ${SECTION}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README.md: the section "${SECTION}" has no \`\`\`ts block`);
  return block[1];
}
