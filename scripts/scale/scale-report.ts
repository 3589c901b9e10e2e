import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { parseYamlFile } from '../../lib/data-file';
import { cdkAppOptions, cdkContext } from '../../lib/io/cdk-context';
import { AmpLimits, LIMITS_FILE, parseAmpLimits } from '../../lib/model/amp-limits';

export interface Limits {
  cloudformation: { templateBodyBytes: number; resourcesPerStack: number };
  amp: AmpLimits;
  ssm: { advancedParameterBytes: number };
  lambda: { deploymentPackageZippedBytes: number; deploymentPackageUnzippedBytes: number };
  /** Limit paths (e.g. amp.rulesPerWorkspace) that are quotas AWS raises on request. */
  adjustable: string[];
}

const bytes = z.number().int().positive();
/** The limits of config/limits.yaml besides AMP's (which parseAmpLimits checks, as synth does). */
const otherLimitsSchema = z
  .object({
    cloudformation: z.object({ templateBodyBytes: bytes, resourcesPerStack: bytes }),
    ssm: z.object({ advancedParameterBytes: bytes }),
    lambda: z.object({ deploymentPackageZippedBytes: bytes, deploymentPackageUnzippedBytes: bytes }),
    adjustable: z.array(z.string()),
  })
  .loose();

/** config/limits.yaml of the project at `repo`, checked: one input error naming the field when it is wrong. */
export function loadLimits(repo: string): Limits {
  const text = fs.readFileSync(path.join(repo, LIMITS_FILE), 'utf8');
  const { cloudformation, ssm, lambda, adjustable } = parseYamlFile(LIMITS_FILE, text, otherLimitsSchema, 'config/limits.yaml');
  return { cloudformation, amp: parseAmpLimits(LIMITS_FILE, text), ssm, lambda, adjustable };
}

export interface Figure {
  readonly what: string;
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
  readonly note?: string;
  /** The limit is a quota AWS raises on request. */
  readonly adjustable?: boolean;
}

/** Synthesizes a project as `cdk synth -c reviewOnly=true` runs it (a template to measure, not to deploy); returns the wall time. */
export function synthProject(root: string, entry: string, env: string, outdir: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...cdkAppOptions(root), entry], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(cdkContext(root, { env, reviewOnly: 'true' })), CDK_OUTDIR: outdir },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`synth of ${root} failed:\n${r.stderr.slice(-3000)}`);
  return ms;
}

/** Every figure of an assembly that has a limit: templates, AMP rules, SSM fragments, Lambda assets. */
export function inspectAssembly(outdir: string, limits: Limits): Figure[] {
  const figures: Figure[] = [];
  const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  let rules = 0;
  for (const t of templates.sort()) {
    const text = fs.readFileSync(path.join(outdir, t), 'utf8');
    const json = JSON.parse(text) as { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    const resources = Object.values(json.Resources ?? {});
    const name = t.replace(/\.(nested\.)?template\.json$/, '');
    figures.push({ what: `${name}: template body`, value: text.length, limit: limits.cloudformation.templateBodyBytes, unit: 'bytes' });
    figures.push({
      what: `${name}: resources`,
      value: resources.length,
      limit: limits.cloudformation.resourcesPerStack,
      unit: 'resources',
    });
    for (const r of resources) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::APS::RuleGroupsNamespace') {
        const data = String(p.Data);
        rules += (data.match(/^\s+- (alert|record): /gm) ?? []).length;
        figures.push({
          what: `AMP namespace ${String(p.Name)}`,
          value: Buffer.byteLength(data),
          limit: limits.amp.ruleGroupsNamespaceBytes,
          unit: 'bytes',
        });
      }
      if (r.Type === 'AWS::APS::Workspace' && typeof p.AlertManagerDefinition === 'object') {
        figures.push({
          what: 'AMP alert manager definition',
          value: JSON.stringify(p.AlertManagerDefinition).length,
          limit: limits.amp.alertManagerDefinitionBytes,
          unit: 'bytes',
          note: 'approx., with unresolved ARNs',
        });
      }
      if (r.Type === 'AWS::SSM::Parameter' && p.Tier === 'Advanced') {
        figures.push({
          what: `SSM ${String(p.Name)}`,
          value: resolvedBytes(p.Value),
          limit: limits.ssm.advancedParameterBytes,
          unit: 'bytes',
          note: 'each deploy-time value counted as 150 bytes',
        });
      }
    }
  }
  figures.push({
    what: 'AMP rules in the workspace',
    value: rules,
    limit: limits.amp.rulesPerWorkspace,
    unit: 'rules',
    note: 'default quota',
    adjustable: limits.adjustable.includes('amp.rulesPerWorkspace'),
  });
  for (const dir of fs.readdirSync(outdir).filter((f) => f.startsWith('asset.') && fs.statSync(path.join(outdir, f)).isDirectory())) {
    const bytes = fs.readdirSync(path.join(outdir, dir)).reduce((n, f) => n + fs.statSync(path.join(outdir, dir, f)).size, 0);
    figures.push({
      what: `Lambda asset ${dir.slice(6, 18)}`,
      value: bytes,
      limit: limits.lambda.deploymentPackageUnzippedBytes,
      unit: 'bytes',
      note: 'unzipped',
    });
  }
  return figures;
}

/** A value's size once CloudFormation resolves it, counting each intrinsic as TOKEN_BYTES (an AMP URL is ~100). */
const TOKEN_BYTES = 150;
function resolvedBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].reduce<number>((n, part) => n + (typeof part === 'string' ? Buffer.byteLength(part) : TOKEN_BYTES), 0);
  return TOKEN_BYTES;
}

export function formatFigures(figures: readonly Figure[]): string {
  const rows = figures.map((f) => {
    const pct = (100 * f.value) / f.limit;
    const status = f.value <= f.limit ? 'ok   ' : f.adjustable ? 'QUOTA' : 'OVER ';
    return `  ${status}  ${f.what.padEnd(58)} ${f.value.toLocaleString('en-US').padStart(11)} / ${f.limit.toLocaleString('en-US').padStart(11)} ${f.unit.padEnd(9)} ${pct.toFixed(1).padStart(5)} %${f.note ? `  (${f.note})` : ''}`;
  });
  return rows.join('\n');
}

/** Figures over a hard limit (a design failure), and over an adjustable quota (a quota request). */
export function overLimits(figures: readonly Figure[]): { hard: Figure[]; quota: Figure[] } {
  const over = figures.filter((f) => f.value > f.limit);
  return { hard: over.filter((f) => !f.adjustable), quota: over.filter((f) => f.adjustable) };
}
