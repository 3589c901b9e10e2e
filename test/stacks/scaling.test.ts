import { Match } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../lib/config/environment-schema';
import { SCALING_DASHBOARD_UID } from '../../lib/render/scaling-dashboard';
import { FARGATE_STOP_TIMEOUT } from '../contracts/application-autoscaling';
import { modelOf, resolveJoin, resourcesOf, synth } from '../helpers';
import { collectorConfigOf } from './collector-config-of';

const SERVICE_LINKED_ROLE =
  'arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService';

describe('auto scaling (prod)', () => {
  const { template, json } = synth('prod');
  const targets = Object.fromEntries(resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalableTarget').map(([id, p]) => [id, p]));
  const policies = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalingPolicy');

  test('the collector scales between replicas and maxReplicas on its average CPU, and a deploy never resets its count', () => {
    const [[targetId, target]] = Object.entries(targets).filter(([id]) => id.startsWith('CollectorService'));
    expect({ min: target.MinCapacity, max: target.MaxCapacity, dim: target.ScalableDimension }).toEqual({
      min: 2,
      max: 4,
      dim: 'ecs:service:DesiredCount',
    });
    expect(resolveJoin(target.RoleARN)).toBe(SERVICE_LINKED_ROLE);
    const [[, out], [, scaleIn]] = policies.filter(([, p]) => p.ScalingTargetId.Ref === targetId);
    // Out by target tracking, never in: that is a step of one task after 15 minutes under 30 % (the band against flapping).
    expect(out.TargetTrackingScalingPolicyConfiguration).toEqual({
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      TargetValue: 60,
      ScaleOutCooldown: 180,
      DisableScaleIn: true,
    });
    expect(scaleIn.StepScalingPolicyConfiguration).toEqual({
      AdjustmentType: 'ChangeInCapacity',
      Cooldown: 600,
      MetricAggregationType: 'Average',
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
    });
    // ...and never while a task's queue holds batches (a task stopped with its destination down loses them).
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        Match.objectLike({ Expression: 'IF(FILL(queue, 0) > 0, 100, cpu)', ReturnData: true }),
        Match.objectLike({
          Id: 'cpu',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'CPUUtilization', Namespace: 'AWS/ECS' }),
            Stat: 'Average',
          }),
        }),
        {
          Id: 'queue',
          MetricStat: {
            Metric: {
              Namespace: 'trading-observability-prod/scaling',
              MetricName: 'otelcol_exporter_queue_size',
              Dimensions: [{ Name: 'Service', Value: 'otel-collector' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: false,
        },
      ],
      Threshold: 30,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CollectorScaleIn') }],
    });
    // A DesiredCount in the template would put the count back to it at every deploy (test/contracts/ecs.ts DESIRED_COUNT).
    const [[, service]] = resourcesOf(json, 'AWS::ECS::Service');
    expect(service.DesiredCount).toBeUndefined();
  });

  test("a scale-in SIGTERM gives the collector Fargate's longest stop timeout to drain its queues", () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Name: 'otel-collector', StopTimeout: FARGATE_STOP_TIMEOUT.maxSeconds })],
    });
  });

  test('celery-worker scales on the backend pending executions per running worker task, by metric math', () => {
    const [[targetId, target]] = Object.entries(targets).filter(([id]) => id.startsWith('ScalingCeleryWorker'));
    expect(target).toMatchObject({
      ResourceId: 'service/trading-platform-prod/celery-worker',
      ScalableDimension: 'ecs:service:DesiredCount',
      ServiceNamespace: 'ecs',
      MinCapacity: 2,
      MaxCapacity: 12,
    });
    expect(resolveJoin(target.RoleARN)).toBe(SERVICE_LINKED_ROLE);
    const [[, policy]] = policies.filter(([, p]) => p.ScalingTargetId.Ref === targetId);
    expect(policy.PolicyType).toBe('TargetTrackingScaling');
    const config = policy.TargetTrackingScalingPolicyConfiguration;
    expect({ target: config.TargetValue, out: config.ScaleOutCooldown, in: config.ScaleInCooldown }).toEqual({
      target: 10,
      out: 180,
      in: 300,
    });
    expect(config.CustomizedMetricSpecification.Metrics).toEqual([
      {
        Id: 'signal',
        MetricStat: {
          Metric: {
            Namespace: 'trading-observability-prod/scaling',
            MetricName: 'system_executions_pending_executions',
            Dimensions: [{ Name: 'Service', Value: 'backend' }],
          },
          Stat: 'Maximum',
        },
        ReturnData: false,
      },
      {
        Id: 'tasks',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights',
            MetricName: 'RunningTaskCount',
            Dimensions: [
              { Name: 'ClusterName', Value: 'trading-platform-prod' },
              { Name: 'ServiceName', Value: 'celery-worker' },
            ],
          },
          Stat: 'Average',
        },
        ReturnData: false,
      },
      { Id: 'per_task', Expression: 'signal / tasks', Label: 'Signal per running task', ReturnData: true },
    ]);
  });

  test("the collector's configuration in the template carries exactly that metric of that service to CloudWatch, named as the policy reads it", () => {
    const cfg = collectorConfigOf(json);
    expect(cfg.service.pipelines['metrics/scaling']).toEqual({
      receivers: cfg.service.pipelines['metrics/scraped'].receivers,
      processors: ['memory_limiter', 'filter/scaling', 'resource/scaling', 'batch'],
      exporters: ['awsemf/scaling'],
    });
    // The collector's own queue sizes, which the scale-in alarm reads, by the same exporter.
    expect(cfg.service.pipelines['metrics/queue']).toEqual({
      receivers: ['prometheus/self'],
      processors: ['memory_limiter', 'filter/queue', 'resource/scaling', 'batch'],
      exporters: ['awsemf/scaling'],
    });
    expect(cfg.processors['filter/queue'].metrics.metric).toEqual(['name != "otelcol_exporter_queue_size"']);
    expect(cfg.processors['filter/scaling'].metrics.metric).toEqual([
      'not ((name == "system_executions_pending_executions" and resource.attributes["service.name"] == "backend"))',
    ]);
    const emf = cfg.exporters['awsemf/scaling'];
    expect(emf).toMatchObject({
      namespace: 'trading-observability-prod/scaling',
      metric_declarations: [
        { dimensions: [['Service']], metric_name_selectors: ['^system_executions_pending_executions$', '^otelcol_exporter_queue_size$'] },
      ],
    });
    expect(emf.log_group_name).toContain('ScalingSignalLogs');
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/trading-observability/prod/scaling-signals',
      RetentionInDays: 90,
      KmsKeyId: Match.anyValue(),
    });
    // The collector may write to that log group only (beside its others).
    const statements = resourcesOf(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('CollectorTaskRole'))
      .flatMap(([, p]) => p.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().includes('logs:PutLogEvents'));
    expect(statements.flatMap((s: any) => [s.Resource].flat().map((r: unknown) => JSON.stringify(r)))).toEqual([
      expect.stringContaining('ScalingSignalLogs'),
    ]);
  });

  test('the "Auto scaling" dashboard reads the collector and the worker under the names the template gives them', () => {
    const dashboard = modelOf('prod').publishedDashboards.find((d) => d.uid === SCALING_DASHBOARD_UID)!;
    const text = dashboard.text;
    const [[, service]] = resourcesOf(json, 'AWS::ECS::Service');
    const [[, cluster]] = resourcesOf(json, 'AWS::ECS::Cluster');
    expect(text).toContain(`"ClusterName": "${cluster.ClusterName}"`);
    expect(text).toContain(`"ServiceName": "${service.ServiceName}"`);
    expect(text).toContain('"ClusterName": "trading-platform-prod"');
    expect(text).toContain('"expression": "DIFF(desired)"');
    expect(text).toContain('max(system_executions_pending_executions{job=\\"backend\\"}) / count(up{job=\\"celery-worker\\"} == 1)');
  });
});

describe('auto scaling elsewhere', () => {
  test('dev scales nothing: no scalable target, a fixed collector count, no scaling pipeline', () => {
    const { json } = synth('dev');
    expect(resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalableTarget')).toEqual([]);
    expect(resourcesOf(json, 'AWS::ECS::Service')[0][1].DesiredCount).toBe(1);
    const pipelines = collectorConfigOf(json).service.pipelines;
    expect([pipelines['metrics/scaling'], pipelines['metrics/queue']]).toEqual([undefined, undefined]);
  });

  test('a per-task signal that is not per task reads the metric directly', () => {
    const direct = (e: EnvironmentConfig): EnvironmentConfig => ({
      ...e,
      scaling: { 'celery-worker': { ...e.scaling['celery-worker'], perTask: false, target: 40 } },
    });
    const { json } = synth('prod', direct);
    const [[, policy]] = resourcesOf(json, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(([, p]) =>
      p.PolicyName.startsWith('celery-worker'),
    );
    expect(policy.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification).toEqual({
      Namespace: 'trading-observability-prod/scaling',
      MetricName: 'system_executions_pending_executions',
      Dimensions: [{ Name: 'Service', Value: 'backend' }],
      Statistic: 'Maximum',
    });
  });

  test('locally nothing scales: the dashboard shows the signal and the scraped tasks from Prometheus only', () => {
    const dashboard = modelOf('local').publishedDashboards.find((d) => d.uid === SCALING_DASHBOARD_UID)!;
    expect(dashboard.text).not.toContain('cloudwatch');
    expect(dashboard.panels.flatMap((p) => p.queries)).toEqual([
      'sum by (receiver) (rate(otelcol_receiver_accepted_metric_points_total[5m]))',
      'sum by (receiver) (rate(otelcol_receiver_refused_metric_points_total[5m]))',
      'count(up{job="otel-collector"} == 1)',
      'max(system_executions_pending_executions{job="backend"}) / count(up{job="celery-worker"} == 1)',
      'count(up{job="celery-worker"} == 1)',
    ]);
  });
});
