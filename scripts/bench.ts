/**
 * `npm run bench`: wall time of a full synth of the app (every environment),
 * beside a one-topic CDK app run with the same runner, in the same run.
 * Both run as `cdk synth` runs them: with the node options of cdk.json's
 * "app" (`APP_RUNNER`), the context and output folder passed through the
 * environment.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdkAppOptions, cdkContext } from '../lib/io/cdk-context';
import { stringify } from 'yaml';
import { alertLatencyBench } from './bench/alert-latency';
import { QUERY_SAMPLES_FILE } from './cost/estimate';
import { formatQueryCost, queryCostBench } from './bench/query-cost';
import { FULL_SCALE, ScaleShape, writeSyntheticProject } from './scale/synthetic-project';
import { formatFigures, inspectAssembly, loadLimits, overLimits, synthProject } from './scale/scale-report';
import { collectorLoadBench } from './bench/collector-load';
import { parseCli } from './cli-args';

const root = path.resolve(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'];
/** cdk.json's context, read once: both apps get it, as `cdk synth` would give it (reviewOnly: prod's placeholder ids). */
const CONTEXT = cdkContext(root, { reviewOnly: 'true' });
/** cdk.json's app's node options (the TypeScript loader, V8 flags): the bench's apps run as `cdk synth` runs bin/app.ts. */
const APP_RUNNER = cdkAppOptions(root);
const APP = ['node', ...APP_RUNNER, 'bin/app.ts'];

function timeOnce(entry: string, env: string, validation: boolean): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...APP_RUNNER, entry], {
    cwd: root,
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CONTEXT, env }),
      CDK_OUTDIR: out,
      CDK_VALIDATION: String(validation),
    },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${entry} (env=${env}) failed:\n${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** "median ms [min-max]": the machine may be shared, so the spread is shown beside the median. */
const spread = (xs: number[]) => `${median(xs).toFixed(0).padStart(6)} ms [${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}]`;

const { values: flags } = parseCli(
  'bench',
  'usage: npm run bench -- [--alert-latency [--concurrency N] | --query-cost [--fraction F] | --scale | --cli | --collector-load]',
  {
    options: {
      'alert-latency': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '1' },
      'query-cost': { type: 'boolean', default: false },
      fraction: { type: 'string', default: '0.01' },
      scale: { type: 'boolean', default: false },
      cli: { type: 'boolean', default: false },
      'collector-load': { type: 'boolean', default: false },
    },
  },
);

if (flags['alert-latency']) {
  alertLatencyBench(root, runs, Number(flags.concurrency)).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else if (flags['query-cost']) {
  queryCostBench(root, Number(flags.fraction)).then(
    (r) => {
      console.log(formatQueryCost(r));
      fs.writeFileSync(
        path.join(root, QUERY_SAMPLES_FILE),
        `# Written by \`npm run bench -- --query-cost\`; read by \`npm run cost\`.\n${stringify(r)}`,
      );
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else if (flags.scale) {
  scaleBench();
  process.exit(0);
} else if (flags.cli) {
  cliBench();
} else if (flags['collector-load']) {
  collectorLoadBench(root).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  synthBench();
  cliBench();
}

/**
 * CDK validates every template with its CloudFormation rules at synth unless
 * told not to (`cdk synth --no-validation`); both sides are timed both ways.
 */
function synthBench(): void {
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
}

/**
 * What a user waits for: the whole `npx cdk synth -q` process (the CLI
 * included), for each environment, with cdk.json's app, beside the same
 * command on the one-topic app, runs alternating so load drifts hit all sides
 * alike. The one-topic app runs twice: as it always has (`node --import tsx`,
 * the common way to run a TypeScript CDK app: the ratio this bench has
 * reported from the start) and with cdk.json's runner (what is left of the
 * difference once both load TypeScript the same way).
 */
function cliBench(): void {
  const cdkBin = path.join(root, 'node_modules/.bin/cdk');
  const once = (app: string, env: string): number => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
    const start = process.hrtime.bigint();
    const r = spawnSync(cdkBin, ['synth', '-q', '-c', `env=${env}`, '-c', 'reviewOnly=true', '--app', app, '--output', out], {
      cwd: root,
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    fs.rmSync(out, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`cdk synth --app "${app}" -c env=${env} failed:\n${r.stderr}`);
    return ms;
  };
  const runner = [process.execPath, ...APP_RUNNER].join(' ');
  const app = `${runner} bin/app.ts`;
  const baselineTsx = `${process.execPath} --import tsx scripts/bench/one-topic-app.ts`;
  const baselineSame = `${runner} scripts/bench/one-topic-app.ts`;
  console.log(
    `whole process \`cdk synth -q\` (CLI included), median [min-max] of ${runs} alternating runs (node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
  );
  console.log(`  app: ${APP.join(' ')} (cdk.json); one-topic app with tsx, and with the same runner`);
  for (const env of ENVIRONMENTS) {
    const ours: number[] = [];
    const tsx: number[] = [];
    const same: number[] = [];
    for (let i = 0; i < runs; i++) {
      tsx.push(once(baselineTsx, env));
      ours.push(once(app, env));
      same.push(once(baselineSame, env));
    }
    const o = median(ours);
    console.log(
      `  -c env=${env.padEnd(8)} ${spread(ours)}   one-topic app: tsx ${spread(tsx)} ${(o / median(tsx)).toFixed(2)}x, same runner ${spread(same)} ${(o / median(same)).toFixed(2)}x`,
    );
  }
}

/**
 * `npm run bench -- --scale`: the platform at 50x (200 services, 300
 * dashboards, 2,000 alert rules), synthesized beside the four-service app and
 * the one-topic app, and every figure of its output against its limit.
 */
function scaleBench(): void {
  const limits = loadLimits(root);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  const time = (label: string, f: () => number) => {
    const ms = median(Array.from({ length: Math.max(1, Math.min(runs, 3)) }, f));
    console.log(`  ${label.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms`);
    return ms;
  };
  console.log('synth wall time (CDK defaults, median of up to 3 runs):');
  const baseline = time('one-topic CDK app', () => timeOnce('scripts/bench/one-topic-app.ts', 'prod', true));
  const four = time('four-service app (-c env=prod)', () => timeOnce('bin/app.ts', 'prod', true));
  const shapes: [string, ScaleShape][] = [
    ['1/4 scale: 50 services, 75 dashboards, 500 rules', { services: 50, dashboards: 75, alertRules: 500 }],
    ['full scale: 200 services, 300 dashboards, 2,000 rules', FULL_SCALE],
  ];
  const results = shapes.map(([label, shape], i) => {
    const dir = writeSyntheticProject(root, path.join(tmp, `p${i}`), shape);
    const out = path.join(dir, 'cdk.out');
    const ms = time(label, () => {
      fs.rmSync(out, { recursive: true, force: true });
      return synthProject(dir, 'bin/app.ts', 'prod', out);
    });
    return { ms, out };
  });
  const [quarter, full] = results;
  console.log(
    `  full scale / one-topic app: ${(full.ms / baseline).toFixed(2)}x; full scale / four-service app: ${(full.ms / four).toFixed(2)}x`,
  );
  console.log(`  growth from 1/4 to full scale: ${(full.ms / quarter.ms).toFixed(2)}x for 4x the model (linear would be <= 4x)`);
  const figures = inspectAssembly(full.out, limits);
  console.log(`\nfull scale, every figure against its limit (config/limits.yaml):\n${formatFigures(figures)}`);
  const { hard, quota } = overLimits(figures);
  console.log(hard.length === 0 ? '\nevery hard limit holds' : `\n${hard.length} figure(s) over a hard limit`);
  for (const q of quota)
    console.log(
      `quota increase needed: ${q.what} ${q.value.toLocaleString('en-US')} > default ${q.limit.toLocaleString('en-US')} (adjustable)`,
    );
  fs.rmSync(tmp, { recursive: true, force: true });
  if (hard.length > 0) process.exitCode = 1;
}
