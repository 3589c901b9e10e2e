import { stringify } from 'yaml';
import { parseEnvironment } from '../../lib/config/parse-environment';
import { EC2_RESOURCE_ID, FARGATE_TASK_SIZES } from '../contracts/ecs';
import { environmentOf, inputErrorOf, MINIMAL_AWS_ENVIRONMENT } from '../helpers';

const base = MINIMAL_AWS_ENVIRONMENT;

function load(env: Record<string, unknown>, name = 'x') {
  return parseEnvironment(name, stringify({ environments: { x: env } }));
}

describe('environments', () => {
  test.each(['local', 'dev', 'staging', 'prod'])('%s loads and keeps the seed defaults', (name) => {
    const env = environmentOf(name);
    expect(env.name).toBe(name);
    expect(env.services.map((s) => s.name)).toEqual(['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher']);
    expect(env.services.every((s) => s.port === 8001 && s.path === '/metrics')).toBe(true);
    expect(env.scrapeIntervalSeconds).toBe(15);
  });

  test('local uses the local exporters, AWS environments the managed ones', () => {
    expect(environmentOf('local').exporters).toMatchObject({ metrics: 'prometheus', traces: 'jaeger' });
    expect(environmentOf('prod').exporters).toMatchObject({ metrics: 'amp', traces: 'xray' });
  });

  test('prod keeps logs at least 30 days (seed 11.2)', () => {
    expect(environmentOf('prod').logRetentionDays).toBeGreaterThanOrEqual(30);
  });

  test('an environment may switch exporters by configuration alone', () => {
    const env = load({
      ...base,
      exporters: {
        metrics: 'otlp',
        traces: 'otlp',
        otlp: { endpoint: 'https://otlp.example.com', authSecretName: 'vendor/key' },
      },
    });
    expect(env.exporters.otlp).toEqual({ endpoint: 'https://otlp.example.com', authHeader: 'Authorization', authSecretName: 'vendor/key' });
  });

  test('fails when an AWS environment that scrapes by dns names no network', () => {
    const { network: _, ...noNetwork } = base;
    const msg = inputErrorOf(() => load(noNetwork));
    expect(msg).toBe(
      'config/environments.yaml: environments.x.network: is required for an AWS environment that scrapes by "dns" (the collector must run where the services can be reached). Fix: add network.vpcId, vpcCidr, availabilityZones and privateSubnetIds of the platform\'s VPC (where "trading.internal" resolves), or network.createMinimalVpc: true to try the stack out with a VPC that monitors nothing',
    );
  });

  test('fails when an AWS environment that scrapes by ecs names no network', () => {
    const { network: _, ...noNetwork } = base;
    const msg = inputErrorOf(() => load({ ...noNetwork, discovery: { mode: 'ecs', clusterName: 'trading' } }));
    expect(msg).toContain('environments.x.network: is required for an AWS environment that scrapes by "ecs"');
  });

  test('fails when the minimal VPC is combined with the platform network, or the platform network is incomplete', () => {
    expect(inputErrorOf(() => load({ ...base, network: { createMinimalVpc: true, vpcId: 'vpc-0abc1234' } }))).toContain(
      "environments.x.network.createMinimalVpc: cannot be combined with the platform's network",
    );
    expect(inputErrorOf(() => load({ ...base, network: { vpcId: 'vpc-0abc1234' } }))).toContain(
      'environments.x.network.vpcCidr: is missing',
    );
  });

  test('the platform network is accepted and no opt-in is needed', () => {
    const network = {
      vpcId: 'vpc-0abc1234',
      vpcCidr: '10.0.0.0/16',
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0abc1234'],
    };
    expect(load({ ...base, network }).network).toEqual(network);
  });

  test('fails when replicas > 1 use a metrics exporter without deduplication', () => {
    const msg = inputErrorOf(() => load({ ...base, collector: { replicas: 2 }, exporters: { ...base.exporters, metrics: 'cloudwatch' } }));
    expect(msg).toContain('environments.x.collector.replicas: double-counts every scraped series with metrics exporter "cloudwatch"');
    expect(msg).toContain('Fix: use replicas: 1, or metrics: amp');
  });

  test('fails when exporters.logs is given (removed: logs have no exporter to choose)', () => {
    const msg = inputErrorOf(() => load({ ...base, exporters: { ...base.exporters, logs: 'cloudwatch' } }));
    expect(msg).toContain('environments.x.exporters: has unknown key(s) logs. Fix: remove them');
  });

  test('fails when the environment name is unknown', () => {
    const msg = inputErrorOf(() => environmentOf('prd'));
    expect(msg).toBe(
      'config/environments.yaml: environments: no such environment (got "prd"). Fix: pass -c env= one of local, dev, staging, prod, or add "prd" under environments:',
    );
  });

  test('fails when an exporter is unknown', () => {
    const msg = inputErrorOf(() => load({ ...base, exporters: { ...base.exporters, metrics: 'datadog' } }));
    expect(msg).toContain('environments.x.exporters.metrics');
    expect(msg).toContain('(got "datadog")');
    expect(msg).toContain('one of "amp", "cloudwatch", "otlp" or "prometheus"');
  });

  test('fails when an exporter does not fit the target', () => {
    const msg = inputErrorOf(() => load({ ...base, exporters: { ...base.exporters, traces: 'jaeger' } }));
    expect(msg).toContain('environments.x.exporters.traces');
    expect(msg).toContain('cannot be used by an AWS environment');
  });

  test('fails when otlp is chosen without an endpoint', () => {
    const msg = inputErrorOf(() => load({ ...base, exporters: { ...base.exporters, metrics: 'otlp' } }));
    expect(msg).toContain('environments.x.exporters.otlp: is required when metrics or traces go to "otlp"');
  });

  test('fails when an email address is malformed', () => {
    const msg = inputErrorOf(() => load({ ...base, alerts: { email: ['oncall-at-example.com'] } }));
    expect(msg).toMatch(/environments\.x\.alerts\.email\[0\].*"oncall-at-example\.com".*email address/);
  });

  test('fails when a phone number is not E.164', () => {
    const msg = inputErrorOf(() => load({ ...base, alerts: { sms: ['0155 555 0100'] } }));
    expect(msg).toMatch(/environments\.x\.alerts\.sms\[0\].*"0155 555 0100".*E\.164/);
  });

  test('fails when the log retention is one CloudWatch does not allow', () => {
    const msg = inputErrorOf(() => load({ ...base, logRetentionDays: 31 }));
    expect(msg).toMatch(/environments\.x\.logRetentionDays.*\(got 31\).*1, 3, 5, 7, 14, 30/);
  });

  test('fails when a required field is missing', () => {
    const { discovery: _omit, ...rest } = base;
    const msg = inputErrorOf(() => load(rest));
    expect(msg).toBe('config/environments.yaml: environments.x.discovery: is missing. Fix: add discovery (expected object)');
  });

  test('fails when a key is misspelt', () => {
    const msg = inputErrorOf(() => load({ ...base, logRetentionDay: 30 }));
    expect(msg).toContain('has unknown key(s) logRetentionDay');
  });

  test('fails when only one of account and region is given', () => {
    const msg = inputErrorOf(() => load({ ...base, account: '123456789012' }));
    expect(msg).toContain('environments.x.region: is required when the other of account/region is set');
  });

  test('the Grafana version defaults to 12.4 and X-Ray to off', () => {
    expect(load(base).grafana).toMatchObject({ version: '12.4', xray: false, pluginAdminEnabled: false });
  });

  test('fails when the Grafana version is not one AMG offers', () => {
    const msg = inputErrorOf(() => load({ ...base, grafana: { authentication: 'AWS_SSO', version: '11.0' } }));
    expect(msg).toContain('environments.x.grafana.version: is not a version Amazon Managed Grafana offers');
    expect(msg).toContain('"11.0"');
  });

  test('the collector accepts exactly the CPU/memory pairs Fargate offers (test/contracts/ecs.ts)', () => {
    const offered = (cpu: number): number[] => {
      const m: readonly number[] | { readonly from: number; readonly to: number } =
        FARGATE_TASK_SIZES.memoryGiB[cpu as keyof typeof FARGATE_TASK_SIZES.memoryGiB];
      const gibs = 'from' in m ? Array.from({ length: m.to - m.from + 1 }, (_, i) => m.from + i) : m;
      return gibs.map((g: number) => g * 1024);
    };
    for (const cpu of [256, 512, 1024, 2048, 4096]) {
      const accepted: number[] = [];
      for (let memoryMiB = 512; memoryMiB <= 30720; memoryMiB += 512) {
        try {
          load({ ...base, collector: { cpu, memoryMiB } });
          accepted.push(memoryMiB);
        } catch {
          // refused
        }
      }
      expect([cpu, accepted]).toEqual([cpu, offered(cpu)]);
    }
  });

  test('fails when a VPC or subnet id is not "vpc-"/"subnet-" and 8 or 17 hex digits (test/contracts/ecs.ts)', () => {
    const network = { vpcId: 'vpc-0abc', vpcCidr: '10.0.0.0/16', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0abc1234'] };
    expect(inputErrorOf(() => load({ ...base, network }))).toContain('environments.x.network.vpcId: is invalid (got "vpc-0abc")');
    for (const n of EC2_RESOURCE_ID.lengthsAfterHyphen) {
      const ok = { ...network, vpcId: `vpc-${'a'.repeat(n)}`, privateSubnetIds: [`subnet-${'b'.repeat(n)}`] };
      expect(load({ ...base, network: ok }).network).toEqual(ok);
    }
    expect(inputErrorOf(() => load({ ...base, network: { ...network, vpcId: 'vpc-0abc1234', privateSubnetIds: ['subnet-1'] } }))).toContain(
      'environments.x.network.privateSubnetIds[0]: is invalid (got "subnet-1")',
    );
  });

  test('fails when X-Ray is asked for without plugin management', () => {
    const msg = inputErrorOf(() => load({ ...base, grafana: { authentication: 'AWS_SSO', xray: true } }));
    expect(msg).toContain('environments.x.grafana.xray: xray needs the X-Ray plugin installed');
  });

  test('fails when Slack on AWS names no secret', () => {
    const msg = inputErrorOf(() => load({ ...base, alerts: { slack: {} } }));
    expect(msg).toContain('environments.x.alerts.slack.webhookSecretName: is required on AWS');
  });

  test('fails when the YAML does not parse', () => {
    const msg = inputErrorOf(() => parseEnvironment('dev', 'environments:\n  dev: [unclosed\n'));
    expect(msg).toMatch(/^config\/environments\.yaml: line \d+, column \d+: is not valid YAML/);
  });
});
