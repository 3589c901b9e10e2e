import * as fs from 'fs';
import { parseEnvironment } from '../../lib/config/parse-environment';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { applySecurityChecks, buildApp } from '../../lib/app';
import { renderLocalBundle } from '../../lib/render/local-bundle';
import { writeBundle } from '../../lib/io/write-bundle';
import { parse } from 'yaml';
import { KMS_STATEMENT, TOPIC_STATEMENT } from '../contracts/amp';
import { CLOUDFORMATION } from '../contracts/cloudformation';
import { environmentOf, ENVIRONMENTS, resolveJoin, resourcesOf, synth, templatesForSnapshot } from '../helpers';
import { bundleLocalPrograms } from '../../scripts/local-programs';

const REPO = path.resolve(__dirname, '../..');

describe.each(ENVIRONMENTS)('ObservabilityStack (%s)', (env) => {
  // synth() runs cdk-nag's AwsSolutions pack: an unacknowledged finding throws here.
  const synthesized = synth(env);
  const { warnings } = synthesized;

  test('passes cdk-nag and matches the snapshot of every template it deploys (nested stacks included)', () => {
    // The whole template, as CDK users snapshot it: any change to an IAM
    // action, a retention, a threshold or the alert manager definition shows
    // up in review (`npx jest -u` after reading the diff). Asset hashes masked.
    expect(templatesForSnapshot(synthesized)).toMatchSnapshot();
  });

  test("synthesizes without a construct warning but the minimal VPC's, which only its opt-in raises", () => {
    // dev, staging and prod opt in to network.createMinimalVpc (config/environments.yaml).
    const minimal = warnings.filter((w) => w.includes('network.createMinimalVpc'));
    expect(warnings.filter((w) => !minimal.includes(w))).toEqual([]);
    expect(minimal).toHaveLength(env === 'local' ? 0 : 1);
  });

  test('a failed first create leaves nothing behind: no resource is DeletionPolicy Retain, nested stacks included', () => {
    // A resource kept by a create that rolls back blocks the retry when its name is fixed
    // ("already exists"); RetainExceptOnCreate deletes it on that rollback only (CLOUDFORMATION.retainExceptOnCreate).
    const retained: string[] = [];
    for (const [file, template] of Object.entries(templatesForSnapshot(synthesized))) {
      for (const [id, r] of Object.entries<{ DeletionPolicy?: string }>(
        (template as { Resources?: Record<string, { DeletionPolicy?: string }> }).Resources ?? {},
      )) {
        const policy = r.DeletionPolicy ?? 'Delete';
        if (!(CLOUDFORMATION.retainExceptOnCreate.deletionPolicies as readonly string[]).includes(policy))
          retained.push(`${file} ${id} ${policy}`);
      }
    }
    expect(retained).toEqual([]);
  });

  test('tags every taggable resource with app and env, nested stacks included', () => {
    // Every L1 resource CDK can tag, walked over the construct tree at synth (test/helpers.ts `taggable`).
    const { taggable } = synthesized;
    if (env === 'local') {
      // local deploys nothing to AWS: there is nothing to tag, and the walk says so.
      expect(taggable).toEqual([]);
      return;
    }
    expect(new Set(taggable.map((r) => r.type)).size).toBeGreaterThan(10);
    const untagged = taggable.filter((r) => r.tags.app !== 'trading-observability' || r.tags.env !== env).map((r) => `${r.type} ${r.path}`);
    expect(untagged).toEqual([]);
  });
});

describe('ObservabilityStack on AWS (prod)', () => {
  const { template, json } = synth('prod');

  test('creates the AMP workspace with its alias, retention, KMS key and logging', () => {
    template.hasResourceProperties('AWS::APS::Workspace', {
      Alias: 'trading-observability-prod',
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PrometheusKey'), 'Arn'] },
      WorkspaceConfiguration: { RetentionPeriodInDays: 400 },
      LoggingConfiguration: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AmpLogs'), 'Arn'] } },
    });
    template.hasResource('AWS::APS::Workspace', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/trading-observability/prod/amp',
      RetentionInDays: 90,
      KmsKeyId: Match.anyValue(),
    });
  });

  test('publishes the remote-write and query URLs as SSM parameters and outputs', () => {
    for (const name of ['remote-write-url', 'query-url', 'workspace-arn']) {
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/trading-observability/prod/amp/${name}` });
    }
    expect(Object.keys(json.Outputs)).toEqual(expect.arrayContaining(['AmpRemoteWriteUrl', 'AmpQueryUrl', 'AmpWorkspaceArn']));
    expect(resolveJoin(json.Outputs.AmpRemoteWriteUrl.Value)).toMatch(/api\/v1\/remote_write$/);
  });

  test('creates one rule groups namespace per rule file, holding the validated file', () => {
    const namespaces = resourcesOf(json, 'AWS::APS::RuleGroupsNamespace').map(([, p]) => p);
    expect(namespaces.map((n) => n.Name).sort()).toEqual([
      'anomalies',
      'anomaly-detectors',
      'dashboard-recording',
      'inputs',
      'pipeline-execution',
      'platform-health',
      'recording-rules',
      'signal-system',
      'slos',
      'targets',
    ]);
    for (const ns of namespaces) {
      const groups = parse(ns.Data).groups;
      expect(groups.length).toBeGreaterThan(0);
      expect(ns.Data).not.toContain('${threshold.');
    }
  });

  test('renders the alert manager definition with one SNS topic per receiver, SigV4 and templates', () => {
    const [[, ws]] = resourcesOf(json, 'AWS::APS::Workspace');
    const definition = parse(resolveJoin(ws.AlertManagerDefinition));
    expect(Object.keys(definition.template_files)).toEqual(['notification.tmpl']);
    const config = parse(definition.alertmanager_config);
    expect(config.templates).toEqual(['notification.tmpl']);
    expect(config.receivers.map((r: { name: string }) => r.name)).toEqual(['critical', 'warning', 'info', 'watchdog']);
    for (const r of config.receivers) {
      expect(r.sns_configs).toEqual([
        expect.objectContaining({
          topic_arn: expect.stringContaining(`AlertRoutingTopic${r.name}`),
          sigv4: { region: 'eu-west-1' },
          subject: '{{ template "trading.subject" . }}',
        }),
      ]);
    }
  });

  test('encrypts every topic with KMS and enforces TLS', () => {
    const topics = resourcesOf(json, 'AWS::SNS::Topic');
    expect(topics.map(([, p]) => p.TopicName).sort()).toEqual(
      ['critical', 'info', 'warning', 'watchdog'].map((r) => `trading-observability-prod-alerts-${r}`),
    );
    for (const [, p] of topics) expect(p.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AlertRoutingKey/), 'Arn'] });
    for (const [, policy] of resourcesOf(json, 'AWS::SNS::TopicPolicy')) {
      expect(policy.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  test('lets only this workspace publish, by aws:SourceAccount and aws:SourceArn', () => {
    for (const [, policy] of resourcesOf(json, 'AWS::SNS::TopicPolicy')) {
      const amp = policy.PolicyDocument.Statement.find((s: { Sid?: string }) => s.Sid === 'AmpAlertManagerPublish');
      expect(amp).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: TOPIC_STATEMENT.principal },
        Action: [...TOPIC_STATEMENT.actions],
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^Prometheus/), 'Arn'] } },
        },
      });
    }
  });

  test("the topics' key follows AMP's documented example for AMP, and lets CloudWatch use it only from this account", () => {
    const keys = resourcesOf(json, 'AWS::KMS::Key').filter(([id]) => id.startsWith('AlertRoutingKey'));
    expect(keys).toHaveLength(1);
    const statements = keys[0][1].KeyPolicy.Statement;
    const amp = statements.find((s: { Sid?: string }) => s.Sid === 'AmpAlertManagerPublish');
    // AMP-alertmanager-receiver-AMPpermission: no conditions on the key statement (the topic policy pins the workspace).
    expect(amp).toEqual({
      Sid: 'AmpAlertManagerPublish',
      Effect: 'Allow',
      Principal: { Service: KMS_STATEMENT.principal },
      Action: [...KMS_STATEMENT.actions],
      Resource: '*',
    });
    const cw = statements.find((s: { Sid?: string }) => s.Sid === 'CloudWatchAlarmsPublish');
    expect(cw.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(keys[0][1].EnableKeyRotation).toBe(true);
  });

  test('subscribes email to critical and warning, SMS and PagerDuty to critical', () => {
    const subs = resourcesOf(json, 'AWS::SNS::Subscription').map(([, p]) => ({
      protocol: p.Protocol,
      endpoint: p.Endpoint,
      topic: p.TopicArn.Ref,
    }));
    const on = (protocol: string) =>
      subs
        .filter((s) => s.protocol === protocol)
        .map((s) => s.topic)
        .sort();
    expect(on('email')).toEqual([expect.stringMatching(/^AlertRoutingTopiccritical/), expect.stringMatching(/^AlertRoutingTopicwarning/)]);
    expect(on('sms')).toEqual([expect.stringMatching(/^AlertRoutingTopiccritical/)]);
    expect(on('https')).toEqual([expect.stringMatching(/^AlertRoutingTopiccritical/)]);
    expect(subs.find((s) => s.protocol === 'https')?.endpoint).toBe(
      '{{resolve:secretsmanager:trading-observability/prod/pagerduty:SecretString:url::}}',
    );
    expect(on('lambda')).toEqual(['critical', 'info', 'warning'].map((r) => expect.stringMatching(new RegExp(`^AlertRoutingTopic${r}`))));
  });

  test('the Slack notifier reads its secret at run time and may read only that secret', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { WEBHOOK_SECRET_ID: 'trading-observability/prod/slack-webhook' } },
      Runtime: 'nodejs24.x',
    });
    const policies = resourcesOf(json, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('AlertRoutingSlackNotifierRole'));
    const statements = policies.flatMap(([, p]) => p.PolicyDocument.Statement);
    const secret = statements.find((s: { Action: string[] }) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(resolveJoin(secret.Resource)).toBe(
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:trading-observability/prod/slack-webhook-??????',
    );
  });

  test("the dead man's switch alarm treats silence as breaching and pages through the critical topic", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'trading-observability-prod-watchdog-silent',
      MetricName: 'NumberOfMessagesPublished',
      Namespace: 'AWS/SNS',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertRoutingTopicwatchdog'), 'TopicName'] } }],
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertRoutingTopiccritical') }],
    });
  });
});

describe('no secret value reaches a template, an asset or the local bundle', () => {
  const CANARY = 'CANARY-5f1c9b2e';

  /** Every file of a cloud assembly or bundle, as [relative path, text]. */
  function filesUnder(dir: string): [string, string][] {
    return fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => {
        const file = path.join(f.parentPath, f.name);
        return [path.relative(dir, file), fs.readFileSync(file, 'latin1')];
      });
  }

  test('AWS: Secrets Manager names from the environment file stay references in every template and asset', () => {
    // The real input: config/environments.yaml, with prod's secret names replaced by canaries.
    const text = fs
      .readFileSync(path.join(REPO, 'config/environments.yaml'), 'utf8')
      .replace('trading-observability/prod/pagerduty', `${CANARY}/pagerduty`)
      .replace('trading-observability/prod/slack-webhook', `${CANARY}/slack`);
    expect(text).toContain(`${CANARY}/pagerduty`);
    expect(text).toContain(`${CANARY}/slack`);
    const canary = synth('prod', () => parseEnvironment('prod', text));
    // The only forms a secret name may take: a dynamic reference CloudFormation
    // resolves at deploy time (PagerDuty's subscription endpoint), the secret's
    // ARN pattern in the notifier's policy, and the secret id the notifier
    // reads at run time (WEBHOOK_SECRET_ID).
    const allowed = [
      `{{resolve:secretsmanager:${CANARY}/pagerduty:SecretString:url::}}`,
      `:secret:${CANARY}/slack-??????`,
      `"WEBHOOK_SECRET_ID":"${CANARY}/slack"`,
    ];
    const files = filesUnder(canary.outdir);
    expect(files.filter(([f]) => f.endsWith('.template.json')).length).toBeGreaterThan(0); // nested stack templates are scanned too when there are any
    const found: string[] = [];
    for (const [file, body] of files) {
      const compact = file.endsWith('.json') ? JSON.stringify(JSON.parse(body)) : body;
      let rest = compact;
      for (const a of allowed) rest = rest.split(a).join('');
      if (rest.includes(CANARY)) found.push(file);
    }
    expect(found).toEqual([]);
    // Both secrets are referenced at all (else the scan above proves nothing).
    const all = files.map(([, b]) => b).join('\n');
    expect(all).toContain(`{{resolve:secretsmanager:${CANARY}/pagerduty:SecretString:url::}}`);
    expect(all).toContain(`${CANARY}/slack`);
  });

  test('local: the Slack webhook URL file is mounted, its URL is in no file of the bundle', () => {
    // The real input: a file holding the webhook URL, named by SLACK_WEBHOOK_URL_FILE (README, local stack).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-'));
    const urlFile = path.join(dir, 'slack-webhook-url');
    const url = `https://hooks.slack.com/services/${CANARY}`;
    fs.writeFileSync(urlFile, url);
    const saved = process.env.SLACK_WEBHOOK_URL_FILE;
    process.env.SLACK_WEBHOOK_URL_FILE = urlFile;
    try {
      const { stack, outdir } = synth('local', (e) => ({ ...e, alerts: { ...e.alerts, slack: { webhookSecretName: 'unused-locally' } } }));
      const bundle = path.join(dir, 'bundle');
      writeBundle(bundle, renderLocalBundle(stack.model, bundleLocalPrograms()));
      const files = [...filesUnder(bundle), ...filesUnder(outdir)];
      expect(files.length).toBeGreaterThan(5);
      expect(files.filter(([, b]) => b.includes(CANARY) || b.includes('hooks.slack.com')).map(([f]) => f)).toEqual([]);
      // Alertmanager reads the URL from the mounted file at run time.
      const compose = files.find(([f]) => f === 'docker-compose.yml')?.[1] ?? '';
      expect(compose).toContain('${SLACK_WEBHOOK_URL_FILE:?');
      expect(files.find(([f]) => f.endsWith('alertmanager.yml'))?.[1]).toContain('api_url_file: /run/secrets/slack-webhook-url');
    } finally {
      if (saved === undefined) delete process.env.SLACK_WEBHOOK_URL_FILE;
      else process.env.SLACK_WEBHOOK_URL_FILE = saved;
    }
  });
});

test('the cdk-nag gate of the app (buildApp, as `cdk synth` runs it) fails when a finding is not acknowledged', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = buildApp(app, { environment: environmentOf('dev') });
  new sns.Topic(stack, 'PlainTopic');
  expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
});

test('the cdk-nag gate is added once per app, however often it is applied, and to every new app', () => {
  const plugins = (a: App) => (a as unknown as { _validationPlugins: unknown[] })._validationPlugins.length;
  const app = new App();
  applySecurityChecks(app);
  applySecurityChecks(app);
  expect(plugins(app)).toBe(1);
  const other = new App();
  applySecurityChecks(other);
  expect(plugins(other)).toBe(1);
});

describe('ObservabilityStack, environments differ only by configuration', () => {
  test('dev has no SMS, PagerDuty or Slack; it destroys its data on deletion', () => {
    const { json } = synth('dev');
    const protocols = resourcesOf(json, 'AWS::SNS::Subscription').map(([, p]) => p.Protocol);
    expect(new Set(protocols)).toEqual(new Set(['email']));
    expect(
      Object.values<{ Type: string; DeletionPolicy?: string }>(json.Resources).find((r) => r.Type === 'AWS::APS::Workspace')
        ?.DeletionPolicy,
    ).toBe('Delete');
  });

  test('an account and region pin the stack; without them it is environment-agnostic', () => {
    // The cloud assembly's manifest says where each stack deploys (what `cdk deploy` reads).
    const deploysTo = (outdir: string) =>
      (JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { environment?: string }> })
        .artifacts.ObservabilityStack.environment;
    const pinned = synth('staging', (e) => ({ ...e, account: '111122223333', region: 'eu-central-1' }));
    expect(pinned.stack.account).toBe('111122223333');
    expect(pinned.stack.region).toBe('eu-central-1');
    expect(deploysTo(pinned.outdir)).toBe('aws://111122223333/eu-central-1');
    expect(deploysTo(synth('staging').outdir)).toBe('aws://unknown-account/unknown-region');
  });

  test('the remote-write role may only aps:RemoteWrite to this workspace', () => {
    const { json } = synth('dev', (e) => ({ ...e, remoteWritePrincipals: ['arn:aws:iam::111122223333:role/prometheus'] }));
    const [[, role]] = resourcesOf(json, 'AWS::IAM::Role').filter(([id]) => id.startsWith('PrometheusRemoteWriteRole'));
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:role/prometheus' });
    const [[, policy]] = resourcesOf(json, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('PrometheusRemoteWriteRole'));
    expect(policy.PolicyDocument.Statement).toEqual([
      { Action: 'aps:RemoteWrite', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Prometheus/), 'Arn'] } },
    ]);
  });

  test('local deploys nothing to AWS', () => {
    const { json } = synth('local');
    expect(Object.values<{ Type: string }>(json.Resources ?? {}).filter((r) => r.Type !== 'AWS::CDK::Metadata')).toEqual([]);
  });
});
