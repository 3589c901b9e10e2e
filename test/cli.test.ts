import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp, refusePlaceholders } from '../lib/app';
import { appModel } from '../lib/app-input';
import { cdkAppOptions, cdkContext } from '../lib/io/cdk-context';
import { copyProject } from '../scripts/scale/project-copy';
import { baseFiles, environmentOf, inputErrorOf } from './helpers';

const repo = path.resolve(__dirname, '..');

/**
 * A copy of the project in which a test may break one file: code and data for
 * the entry point run in it, data only (code linked) for in-process runs.
 */
function project(options: { readonly linkCode?: boolean } = {}): string {
  return copyProject(repo, fs.mkdtempSync(path.join(os.tmpdir(), 'obs-cli-')), options);
}

/** Runs the app as `cdk synth -c env=NAME` does: cdk.json's node options, context and output folder through the environment. */
function synth(dir: string, env: string) {
  const out = path.join(dir, 'cdk.out');
  const r = spawnSync(process.execPath, [...cdkAppOptions(dir), 'bin/app.ts'], {
    cwd: dir,
    encoding: 'utf8',
    // With test/setup-env.ts's CDK_VALIDATION=false (1.1 s of the 2.2 s this synth takes): CDK's
    // CloudFormation rules check this environment's template in the shared synth (test/helpers.ts), and
    // every environment through the entry point in CI's `npm run synth:all`.
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify(cdkContext(dir, { env, 'aws:cdk:bundling-stacks': [] })),
      CDK_OUTDIR: out,
    },
    timeout: 60_000,
  });
  const templates = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => f.endsWith('.template.json')) : [];
  return { status: r.status, stderr: r.stderr.trim(), templates };
}

describe('the cdk app entry point', () => {
  const dir = project();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // One subprocess synth (a full synth of an AWS environment through tsx took 7 s here; the app's
  // code path for every environment is the in-process one of test/helpers.ts, and CI runs
  // `npm run synth:all`): what only the entry point does is read -c env and, for local, write
  // the bundle into the assembly.
  test('synthesizes the chosen environment, and for local renders the local bundle into the assembly', () => {
    const r = synth(dir, 'local');
    expect(r.stderr).toMatch(/^local bundle: .*cdk\.out\/local-bundle \(npm run local:up runs it\)$/);
    expect(r.status).toBe(0);
    expect(r.templates).toEqual(['ObservabilityStack.template.json']);
    expect(fs.existsSync(path.join(dir, 'cdk.out', 'local-bundle', 'monitoring', 'prometheus.yml'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'cdk.out', 'local-bundle', 'docker-compose.yml'))).toBe(true);
  });

  test('fails when the environment is unknown, with one message and no template', () => {
    fs.rmSync(path.join(dir, 'cdk.out'), { recursive: true, force: true });
    const r = synth(dir, 'qa');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'config/environments.yaml: environments: no such environment (got "qa"). Fix: pass -c env= one of local, dev, staging, prod, or add "qa" under environments:',
    );
    expect(r.templates).toEqual([]);
  });

  test("fails when prod's Grafana access ids are still the project's placeholders, naming the id and what to set, with no template", () => {
    // Custom::GrafanaAccess runs last: a deploy with placeholder ids would create everything else, then fail.
    fs.rmSync(path.join(dir, 'cdk.out'), { recursive: true, force: true });
    const r = synth(dir, 'prod');
    expect(r.stderr).toBe(
      'config/environments.yaml: environments.prod.grafana.access.admin.groups[0]: is a placeholder shipped with the project, not your IAM Identity Center group (got "9067c5b4d3-a1b2c3d4-0001-4000-8000-000000000001"). Fix: set every id under environments.prod.grafana.access to your Identity Center group ids (IAM Identity Center console, Groups, Group ID), then remove its placeholders: true (-c reviewOnly=true synthesizes it to review, never to deploy)',
    );
    expect(r.status).toBe(1);
    expect(r.templates).toEqual([]);
  });

  test("the entry point compiles and checks the input before it loads the stacks' modules, and builds from that model", () => {
    // What bin/app.ts loads before its refusals: no AWS service's constructs, no cdk-nag.
    const r = spawnSync(
      process.execPath,
      [...cdkAppOptions(repo), '-e', "require('./lib/app-input'); console.log(Object.keys(require.cache).join('\\n'))"],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const loaded = r.stdout.split('\n');
    expect(loaded.some((m) => m.endsWith(path.join('lib', 'compile', 'compile.ts')))).toBe(true);
    expect(loaded.filter((m) => /aws-cdk-lib[\\/]aws-|cdk-nag|[\\/]lib[\\/](stacks|constructs)[\\/]/.test(m))).toEqual([]);
    // The model it compiled is the one the stacks are built from.
    const dev = appModel(new App({ context: { env: 'dev' } }), { files: baseFiles });
    expect(buildApp(new App({ context: { env: 'prod' } }), { model: dev }).stackName).toBe('trading-observability-dev');
  });

  test('-c reviewOnly=true synthesizes an environment with placeholders (to review or lint), and only then', () => {
    const prod = environmentOf('prod');
    expect(() => refusePlaceholders(new App({ context: { env: 'prod', reviewOnly: 'true' } }), prod)).not.toThrow();
    expect(inputErrorOf(() => refusePlaceholders(new App({ context: { env: 'prod' } }), prod))).toMatch(/placeholders: true/);
    const real = { ...prod, grafana: { ...prod.grafana, access: { ...(prod.grafana as { access: object }).access, placeholders: false } } };
    expect(() => refusePlaceholders(new App({ context: { env: 'prod' } }), real as typeof prod)).not.toThrow();
  });

  // Settings AMG or Fargate would refuse at deploy: one line naming config/environments.yaml, the field, the value
  // and the fix, from the entry point, before CDK's validator (which names a construct) and before a template is written.
  test.each([
    [
      'the Grafana version is not one AMG offers ("12.0")',
      (t: string) => t.replace('    version: "12.4"\n  alerts:', '    version: "12.0"\n  alerts:'),
      'config/environments.yaml: environments.dev.grafana.version: is not a version Amazon Managed Grafana offers (got "12.0"). Fix: use "12.4", "10.4" or "9.4" (a 13.x version once `aws grafana list-versions` lists it)',
      'dev',
    ],
    [
      'prod does not say who may reach its Grafana workspace (grafana.networkAccess)',
      (t: string) => t.replace('      networkAccess: public\n', ''),
      'config/environments.yaml: environments.prod.grafana.networkAccess: is required for prod. Fix: set networkAccess: public (any address; Grafana sign-in still required) or { prefixListIds: [...], vpceIds: [...] }',
      'prod',
    ],
    [
      'the collector asks Fargate for a CPU/memory pair it does not offer (256 CPU, 4096 MiB)',
      (t: string) => t.replace('    logRetentionDays: 7\n', '    logRetentionDays: 7\n    collector: { cpu: 256, memoryMiB: 4096 }\n'),
      'config/environments.yaml: environments.dev.collector.memoryMiB: is not a memory size Fargate offers with cpu 256 (got 4096). Fix: use 512, 1024 or 2048 MiB with cpu 256, or a larger cpu (the pairs: ECS "Task CPU and memory" table)',
      'dev',
    ],
    [
      'the VPC id is malformed ("vpc-123")',
      (t: string) =>
        t.replace(
          '  dev:\n    target: aws\n    network:\n      createMinimalVpc: true\n',
          '  dev:\n    target: aws\n    network:\n      vpcId: vpc-123\n      vpcCidr: 10.0.0.0/16\n      availabilityZones: [eu-west-1a]\n      privateSubnetIds: [subnet-0123456789abcdef0]\n',
        ),
      'config/environments.yaml: environments.dev.network.vpcId: is invalid (got "vpc-123"). Fix: set it to a VPC id: "vpc-" and 8 or 17 hex digits, like "vpc-0abc1234def567890"',
      'dev',
    ],
    // Auto scaling (docs/scaling.md): a signal the catalog does not have, a target in another unit, bounds crossed.
    [
      'a scaled service names a metric the catalog does not have',
      (t: string) =>
        t.replace(
          'metric: system_executions_pending_executions\n        from: backend\n        aggregation: max\n        # ...',
          'metric: celery_queue_length\n        from: backend\n        aggregation: max\n        # ...',
        ),
      'config/environments.yaml: environments.prod.scaling.celery-worker.metric: is not in the metric catalog (got "celery_queue_length"). Fix: use a gauge or histogram of catalog/metrics.yaml (e.g. system_active_pipelines, system_total_pipelines, system_signal_pipelines), or add it there first',
      'prod',
    ],
    [
      "a scaling target's unit is not its metric's",
      (t: string) => t.replace('target: 10\n        unit: "1"\n        minTasks: 2', 'target: 10\n        unit: s\n        minTasks: 2'),
      'config/environments.yaml: environments.prod.scaling.celery-worker.unit: does not match system_executions_pending_executions\'s unit in the catalog ("1") (got "s"). Fix: give the target in "1" per task and set unit: "1"',
      'prod',
    ],
    [
      'a scaled service has minTasks above maxTasks',
      (t: string) => t.replace('minTasks: 2\n        maxTasks: 12', 'minTasks: 20\n        maxTasks: 12'),
      'config/environments.yaml: environments.prod.scaling.celery-worker.minTasks: is above maxTasks (12) (got 20). Fix: use a minTasks of 12 or less, or raise maxTasks',
      'prod',
    ],
  ])('fails when %s, with one line and no template', (_name, edit, expected, env) => {
    const file = path.join(dir, 'config/environments.yaml');
    const original = fs.readFileSync(file, 'utf8');
    const edited = edit(original);
    expect(edited).not.toBe(original);
    fs.writeFileSync(file, edited);
    fs.rmSync(path.join(dir, 'cdk.out'), { recursive: true, force: true });
    try {
      const r = synth(dir, env);
      expect(r.stderr).toBe(expected);
      expect(r.status).toBe(1);
      expect(r.templates).toEqual([]);
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

// Bad input: the messages bin/app.ts prints (it writes a UserInputError's
// message alone, exit 1, as the unknown-environment test above shows through
// the real entry point). Checked in-process on buildApp, the code that raises
// them: no subprocess per case.
describe('the app stops on bad input, naming file, place and fix', () => {
  /** The message of buildApp on the project's files with `file` edited in memory. */
  function buildBroken(env: string, file: string, edit: (text: string) => string): string {
    const files = { ...baseFiles, [file]: edit(baseFiles[file]) };
    return inputErrorOf(() => buildApp(new App({ context: { env } }), { files }));
  }

  test('fails when a rule expression does not parse, naming file, rule and fix', () => {
    const message = buildBroken('prod', 'alerts/platform-health.yaml', (t) => t.replace('expr: up == 0', 'expr: up == '));
    expect(message).toMatch(
      /^alerts\/platform-health\.yaml: group "platform_health", alert "ServiceDown", expr: is not valid PromQL .*Fix: /,
    );
    expect(message).not.toContain('\n');
  });

  test.each([
    [
      'an alert waits "for: 5x"',
      'alerts/platform-health.yaml',
      (t: string) => t.replace('for: 1m', 'for: 5x'),
      /^alerts\/platform-health\.yaml: group "platform_health", alert "ServiceDown", for: is not a Prometheus duration \(got "5x"\)\. Fix: /,
    ],
    [
      'the routing tree repeats after 6d (AMP would treat it as 5d)',
      'alerts/alertmanager.yaml',
      (t: string) => t.replace('repeat_interval: 24h', 'repeat_interval: 6d'),
      /^alerts\/alertmanager\.yaml: route\.routes\[3\]\.repeat_interval: is over AMP's maximum of 5 days .*Fix: use at most "5d"$/,
    ],
    [
      "a rule group asks to be evaluated more often than AMP's rule evaluation interval quota",
      'alerts/signal-system.yaml',
      (t: string) => t.replace('interval: 30s', 'interval: 10s'),
      /^alerts\/signal-system\.yaml: group "signal_system", interval: is shorter than AMP's rule evaluation interval quota of 30s \(config\/limits\.yaml\) \(got "10s"\)\. Fix: use "30s" or more /,
    ],
    [
      'a notification template has an unclosed action',
      'alerts/templates/notification.tmpl',
      (t: string) => `${t}{{ define "broken" }}{{ .Status `,
      /^alerts\/templates\/notification\.tmpl: line \d+: is not a valid template \(unclosed action\)\. Fix: /,
    ],
  ])('fails when %s, with one line', (_name, file, edit, expected) => {
    const message = buildBroken('prod', file, edit);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });

  test('fails when a data file is not valid YAML, naming file, line and column', () => {
    const message = buildBroken('dev', 'catalog/metrics.yaml', (t) => `${t}metrics: [unclosed\n`);
    expect(message).toMatch(
      /^catalog\/metrics\.yaml: line \d+, column \d+: is not valid YAML \(.+\)\. Fix: correct the YAML syntax there$/,
    );
  });

  test('fails when a dashboard queries an unknown metric, naming file and panel', () => {
    const message = buildBroken('dev', 'dashboards/trading-platform-overview.json', (t) =>
      t.replace('sum(pipeline_cache_size)', 'sum(pipeline_cache_sise)'),
    );
    expect(message).toBe(
      'dashboards/trading-platform-overview.json: queries: query 1 metric(s) that are neither in the catalog nor recording rules: pipeline_cache_sise (panel "Cached Pipelines" (id 20)). Fix: declare them all with `npm run catalog:add -- dashboards/trading-platform-overview.json --service NAME` (then review catalog/metrics.yaml), add recording rules of those names in alerts/, or correct the spelling or the variable\'s values',
    );
  });
});
