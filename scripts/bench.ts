/**
 * `npm run bench`: wall time of a full synth of the app (every environment),
 * beside a one-topic CDK app run with the same runner, in the same run.
 * Both run as `cdk synth` runs them: `node --import tsx <app>`, with the
 * context and output folder passed through the environment.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'];

function timeOnce(entry: string, env: string, validation: boolean): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ env }), CDK_OUTDIR: out, CDK_VALIDATION: String(validation) },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${entry} (env=${env}) failed:\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * CDK validates every template with its CloudFormation rules at synth unless
 * told not to (`cdk synth --no-validation`); both sides are timed both ways.
 */
for (const validation of [true, false]) {
  const rows: [string, number][] = [];
  const baseline = median(Array.from({ length: runs }, () => timeOnce('scripts/bench/one-topic-app.ts', 'dev', validation)));
  rows.push(['one-topic CDK app (baseline)', baseline]);
  for (const env of ENVIRONMENTS)
    rows.push([`ObservabilityStack -c env=${env}`, median(Array.from({ length: runs }, () => timeOnce('bin/app.ts', env, validation)))]);
  console.log(
    `synth wall time, CloudFormation validation ${validation ? 'on (CDK default)' : 'off'}, median of ${runs} runs (node ${process.version}, ${os.cpus().length} cores)`,
  );
  for (const [name, ms] of rows) console.log(`  ${name.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / baseline).toFixed(2)}x`);
  const total = rows.slice(1).reduce((sum, [, ms]) => sum + ms, 0);
  const worst = Math.max(...rows.slice(1).map(([, ms]) => ms));
  console.log(
    `  all four environments: ${total.toFixed(0)} ms; ratio (slowest environment / baseline): ${(worst / baseline).toFixed(2)}x (target <= 1.5x)\n`,
  );
}
