import { Stack } from 'aws-cdk-lib';
import { parseEnvironment } from '../../lib/config/parse-environment';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { stringify } from 'yaml';
import { ServiceLogGroups } from '../../lib/constructs/service-log-groups';
import { Naming } from '../../lib/naming';
import { environmentOf, resourcesOf, synth } from '../helpers';

const SERVICES = ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher', 'otel-collector'];

describe('log groups, queries and tracing (prod)', () => {
  const { template, json } = synth('prod');

  test.each(SERVICES)('%s has a KMS-encrypted log group kept 30+ days and retained on deletion, except by a failed create', (service) => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: Match.objectLike({
        LogGroupName: `/trading-observability/prod/${service}`,
        RetentionInDays: 90,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogsKey'), 'Arn'] },
      }),
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('every log group is encrypted and kept at least 30 days', () => {
    for (const [, p] of resourcesOf(json, 'AWS::Logs::LogGroup')) {
      expect(p.KmsKeyId).toBeDefined();
      expect(p.RetentionInDays).toBeGreaterThanOrEqual(30);
    }
  });

  test("the logs key lets only CloudWatch Logs of this account's log groups use it", () => {
    const [[, key]] = resourcesOf(json, 'AWS::KMS::Key').filter(([id]) => id.startsWith('LogsKey'));
    const stmt = key.KeyPolicy.Statement.find((s: { Sid?: string }) => s.Sid === 'CloudWatchLogsUse');
    expect(stmt.Principal.Service).toEqual({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] });
    expect(Object.keys(stmt.Condition.ArnLike)).toEqual(['kms:EncryptionContext:aws:logs:arn']);
  });

  test('publishes each log group name and ARN in SSM', () => {
    for (const service of SERVICES) {
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/trading-observability/prod/logs/${service}/name` });
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/trading-observability/prod/logs/${service}/arn` });
    }
  });

  test('turns error-level events into a metric per service, alarmed to the warning topic', () => {
    // The services' filters (the dashboard importer has its own: test/stacks/monitoring-health.test.ts).
    const filters = resourcesOf(json, 'AWS::Logs::MetricFilter')
      .map(([, p]) => p)
      .filter((p) => p.MetricTransformations[0].MetricNamespace !== 'DashboardImport')
      // The log alerts' filters are test/logs/log-alerts.test.ts's.
      .filter((p) => p.MetricTransformations[0].MetricName.endsWith('-error-events'));
    expect(filters).toHaveLength(SERVICES.length);
    for (const f of filters) {
      expect(f.FilterPattern).toBe('{ ($.level = "error") || ($.level = "critical") }');
      expect(f.MetricTransformations[0]).toMatchObject({ MetricNamespace: 'TradingPlatform/Logs', MetricValue: '1', DefaultValue: 0 });
    }
    for (const service of SERVICES) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `trading-observability-prod-${service}-error-logs`,
        MetricName: `prod-${service}-error-events`,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertRoutingTopicwarning') }],
      });
    }
  });

  test('saves the Logs Insights queries: a stream per service and the cross-service ones', () => {
    const names = resourcesOf(json, 'AWS::Logs::QueryDefinition')
      .map(([, p]) => p.Name)
      .sort();
    expect(names).toEqual(
      [...SERVICES.map((s) => `${s}/stream`), 'by-event', 'errors-by-service', 'pipeline-timeline', 'slowest-executions', 'trace-logs']
        .map((n) => `trading-observability-prod/${n}`)
        .sort(),
    );
    const trace = resourcesOf(json, 'AWS::Logs::QueryDefinition').find(([, p]) => p.Name.endsWith('/trace-logs'))![1];
    expect(trace.QueryString).toContain('filter trace_id = "TRACE_ID"');
    expect(trace.LogGroupNames).toHaveLength(SERVICES.length);
    const byEvent = resourcesOf(json, 'AWS::Logs::QueryDefinition').find(([, p]) => p.Name.endsWith('/by-event'))![1];
    expect(byEvent.QueryString).toContain('filter event = "pipeline_execution_started"');
  });

  test('masks email addresses and AWS secret keys where the environment asks', () => {
    for (const [, p] of resourcesOf(json, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('LogsLogGroup'))) {
      const identifiers = p.DataProtectionPolicy.Statement[0].DataIdentifier;
      expect(identifiers).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dataprotection::aws:data-identifier/EmailAddress']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dataprotection::aws:data-identifier/AwsSecretKey']] },
      ]);
    }
  });

  test("creates the X-Ray group of the environment's traces and a sampling rule at the environment rate", () => {
    template.hasResourceProperties('AWS::XRay::Group', {
      GroupName: 'trading-observability-prod',
      FilterExpression: 'annotation.deployment_environment = "prod"',
    });
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({
        RuleName: 'trading-observability-prod',
        FixedRate: 0.05,
        // Sampling happens in the SDKs before the collector adds the annotation: no attribute match.
        Attributes: Match.absent(),
      }),
    });
  });
});

describe('log groups and tracing differ only by configuration', () => {
  test('dev keeps logs 7 days, deletes them with the stack and masks nothing', () => {
    const { json } = synth('dev');
    const groups = resourcesOf(json, 'AWS::Logs::LogGroup').filter(([id]) => id.startsWith('LogsLogGroup'));
    expect(groups).toHaveLength(SERVICES.length);
    for (const [, p] of groups) {
      expect(p.RetentionInDays).toBe(7);
      expect(p.DataProtectionPolicy).toBeUndefined();
    }
    expect(
      Object.values<{ Type: string; DeletionPolicy?: string }>(json.Resources)
        .filter((r) => r.Type === 'AWS::Logs::LogGroup')
        .every((r) => r.DeletionPolicy === 'Delete'),
    ).toBe(true);
  });

  test('traces to otlp or none create no X-Ray resources', () => {
    const { json } = synth('staging', (e) => ({ ...e, exporters: { ...e.exporters, traces: 'none' } }));
    expect(resourcesOf(json, 'AWS::XRay::Group')).toEqual([]);
    expect(resourcesOf(json, 'AWS::XRay::SamplingRule')).toEqual([]);
  });

  test('grantWrite lets a task role write to the named log groups only', () => {
    const stack = new Stack();
    const groups = new ServiceLogGroups(stack, 'Logs', {
      names: new Naming('app', 'test'),
      services: ['backend', 'celery-worker'],
      retention: logs.RetentionDays.ONE_WEEK,
      encryptionKey: new kms.Key(stack, 'Key'),
    });
    const role = new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    groups.grantWrite(role, ['backend']);
    const policy = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values<any>(policy)[0].Properties.PolicyDocument.Statement;
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LogsLogGroupbackend/), 'Arn'] },
      },
    ]);
    expect(() => groups.logGroup('frontend')).toThrow('no log group for "frontend"');
  });

  test('fails when prod keeps logs less than 30 days', () => {
    const text = stringify({ environments: { prod: { ...environmentOf('prod'), name: undefined, logRetentionDays: 14 } } });
    expect(() => parseEnvironment('prod', text)).toThrow(
      'config/environments.yaml: environments.prod.logRetentionDays: is below the 30 days production requires (got 14). Fix: set it to 30 or more',
    );
  });
});
