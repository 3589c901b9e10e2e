import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * aws/aws-cdk@02e448394dad45da34dce89ab4bf86ff70d369e6:docs/DESIGN_GUIDELINES.md "Property Documentation": an
 * optional prop documents its default with `@default` (awslint:props-default-doc). Checked on every exported
 * interface of the construct library whose name ends in Props, Attributes or Destinations.
 */
const CONSTRUCTS = path.resolve(__dirname, '..', '..', 'lib', 'constructs');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'handler' ? [] : sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

function optionalPropsWithoutDefault(file: string): { interfaces: number; missing: string[] } {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  let interfaces = 0;
  const missing: string[] = [];
  sf.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || !/(Props|Attributes|Destinations)$/.test(node.name.text)) return;
    if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
    interfaces++;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.questionToken) continue;
      if (!ts.getJSDocTags(member).some((t) => t.tagName.text === 'default'))
        missing.push(`${path.relative(CONSTRUCTS, file)}: ${node.name.text}.${member.name.getText(sf)}`);
    }
  });
  return { interfaces, missing };
}

test('every optional prop of the construct library documents its @default', () => {
  const results = sources(CONSTRUCTS).map(optionalPropsWithoutDefault);
  expect(results.reduce((n, r) => n + r.interfaces, 0)).toBeGreaterThanOrEqual(12); // the check sees the props interfaces
  expect(results.flatMap((r) => r.missing)).toEqual([]);
});
