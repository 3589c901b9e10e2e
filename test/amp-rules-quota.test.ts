import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import { buildApp } from '../lib/app';
import { cdkContext } from '../lib/io/cdk-context';
import { baseFiles } from './helpers';

const repo = path.resolve(__dirname, '..');

/** Builds prod from the project's files with config/limits.yaml setting the rules quota. */
function warningsWithQuota(rulesPerWorkspace: number) {
  const limits = baseFiles['config/limits.yaml'].replace(/rulesPerWorkspace: \d+/, `rulesPerWorkspace: ${rulesPerWorkspace}`);
  const app = new App({ context: cdkContext(repo, { env: 'prod', 'aws:cdk:bundling-stacks': [] }) });
  const stack = buildApp(app, { files: { ...baseFiles, 'config/limits.yaml': limits } });
  // The warnings buildApp attaches, read from the construct tree (no synth: `cdk synth` prints the same metadata).
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter(
      (m) => m.type === String(cxschema.ArtifactMetadataEntryType.WARN) && String(m.data).includes("rules exceed AMP's default quota"),
    );
}

describe("AMP's adjustable rules-per-workspace quota", () => {
  test('past the quota, synth warns to request an increase (the quota is adjustable, so it does not refuse)', () => {
    const w = warningsWithQuota(10);
    expect(w).toHaveLength(1);
    expect(String(w[0].data)).toMatch(
      /^\d+ rules exceed AMP's default quota of 10 rules per workspace \(config\/limits\.yaml\): request a quota increase/,
    );
  });

  test('within the quota, no warning', () => {
    expect(warningsWithQuota(2000)).toHaveLength(0);
  });
});
