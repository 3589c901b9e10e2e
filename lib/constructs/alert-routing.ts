import * as path from 'path';
import { Aws, Duration, RemovalPolicy, SecretValue, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { bundledNodeCode } from './bundled-node-code';
import { acknowledgeRoleDependsOn } from './cfn-lint';
import { IPrometheusWorkspace } from './prometheus-workspace';
import { ResourceNames } from './resource-names';

/** Who is told, per receiver of the routing tree (which receivers: AlertRoutingProps). */
export interface AlertDestinations {
  /** Email addresses, subscribed to the `emailReceivers`. @default - none */
  readonly emails?: readonly string[];
  /** E.164 phone numbers, subscribed to the critical receiver. @default - none */
  readonly smsNumbers?: readonly string[];
  /**
   * Name of the Secrets Manager secret with the PagerDuty integration URL (key `url`), subscribed to the critical
   * receiver. A name, not an ISecret: the URL enters the template only as a CloudFormation dynamic reference
   * (`{{resolve:secretsmanager:<name>:SecretString:url::}}`), which takes the secret's name or full ARN.
   * @default - no PagerDuty
   */
  readonly pagerDutySecretName?: string;
  /** Secret with the Slack webhook URL (key `url`), read at run time by a notifier subscribed to the `slackReceivers`. @default - no Slack */
  readonly slackWebhookSecret?: secretsmanager.ISecret;
}

export interface AlertRoutingProps {
  /** Physical names (topics, alarm, Slack notifier and its log group). @default - names chosen by CloudFormation */
  readonly names?: ResourceNames;
  /** Receiver names of the routing tree (e.g. alerts/alertmanager.yaml); one topic each. */
  readonly receivers: readonly string[];
  /** The receiver of the dead man's switch; its topic is watched by a CloudWatch alarm. */
  readonly watchdogReceiver: string;
  /**
   * The receiver that pages: SMS and PagerDuty subscribe to it, and the Watchdog alarm notifies it.
   * @default 'critical'
   */
  readonly criticalReceiver?: string;
  /** Receivers whose topics the email addresses subscribe to (those that exist). @default ['critical', 'warning'] */
  readonly emailReceivers?: readonly string[];
  /** Receivers whose topics the Slack notifier subscribes to (those that exist). @default ['critical', 'warning', 'info'] */
  readonly slackReceivers?: readonly string[];
  /** The AMP workspace allowed to publish (topic policies pin aws:SourceArn to it). */
  readonly workspace: IPrometheusWorkspace;
  /** @default - no subscriptions */
  readonly destinations?: AlertDestinations;
  /** Retention of the Slack notifier's log group. @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Key for the notifier's log group. @default - the topics' key is not used; logs are encrypted with this key if given */
  readonly logsKey?: kms.IKey;
  /** @default - a key with rotation is created */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long the Watchdog may stay silent before the alarm fires. Alertmanager
   * repeats it every 5 minutes (alerts/alertmanager.yaml).
   * @default Duration.minutes(15)
   */
  readonly watchdogSilence?: Duration;
}

/**
 * SNS alert routing: one KMS-encrypted, TLS-only topic per receiver that only
 * this AMP workspace may publish to; subscriptions per destination; a Slack
 * notifier; and a dead man's switch alarm that does not depend on AMP.
 */
export class AlertRouting extends Construct {
  readonly topics: Readonly<Record<string, sns.Topic>>;
  readonly key: kms.IKey;
  readonly watchdogAlarm: cloudwatch.Alarm;
  readonly slackNotifier?: lambda.IFunction;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const critical = props.criticalReceiver ?? 'critical';
    const label = props.names?.prefix ?? this.node.path;
    for (const required of [critical, props.watchdogReceiver]) {
      if (!props.receivers.includes(required)) {
        throw new Error(`AlertRouting: the routing tree has no "${required}" receiver; receivers are ${props.receivers.join(', ')}`);
      }
    }
    const key = (this.key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: `Encrypts the alert topics of ${label}`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      }));
    // AMP's alert manager and CloudWatch alarms publish to the encrypted topics.
    // AMP's documented statement for SSE-enabled topics, with no conditions
    // (SNS makes the KMS call on AMP's behalf); the topic policies below pin
    // the workspace.
    // @see test/contracts/amp.ts KMS_STATEMENT
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AmpAlertManagerPublish',
        principals: [new iam.ServicePrincipal('aps.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    const topics: Record<string, sns.Topic> = {};
    for (const receiver of props.receivers) {
      const topic = new sns.Topic(this, `Topic-${receiver}`, {
        topicName: props.names?.name(`alerts-${receiver}`),
        displayName: props.names ? `${props.names.prefix} ${receiver} alerts` : `${receiver} alerts`,
        masterKey: key,
        enforceSSL: true,
      });
      // AMP's documented topic statement (AMP-alertmanager-receiver-AMPpermission):
      // only this account's workspace, by aws:SourceArn and aws:SourceAccount.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AmpAlertManagerPublish',
          principals: [new iam.ServicePrincipal('aps.amazonaws.com')],
          actions: ['sns:Publish', 'sns:GetTopicAttributes'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnEquals: { 'aws:SourceArn': props.workspace.workspaceArn },
          },
        }),
      );
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
          },
        }),
      );
      topics[receiver] = topic;
    }
    this.topics = topics;

    const d = props.destinations ?? {};
    const human = props.receivers.filter((r) => r !== props.watchdogReceiver);
    const emailReceivers = props.emailReceivers ?? ['critical', 'warning'];
    const slackReceivers = props.slackReceivers ?? ['critical', 'warning', 'info'];
    for (const email of d.emails ?? []) {
      for (const r of human.filter((x) => emailReceivers.includes(x))) topics[r].addSubscription(new snsSubs.EmailSubscription(email));
    }
    for (const number of d.smsNumbers ?? []) topics[critical].addSubscription(new snsSubs.SmsSubscription(number));
    if (d.pagerDutySecretName) {
      // The integration URL is a credential: it enters the template only as a dynamic reference.
      const url = SecretValue.secretsManager(d.pagerDutySecretName, { jsonField: 'url' });
      new sns.Subscription(this, 'PagerDuty', {
        topic: topics[critical],
        protocol: sns.SubscriptionProtocol.HTTPS,
        endpoint: url.unsafeUnwrap(),
      });
    }
    if (d.slackWebhookSecret) {
      this.slackNotifier = this.slackNotifierFor(
        props,
        d.slackWebhookSecret,
        human.filter((r) => slackReceivers.includes(r)),
      );
    }

    // Dead man's switch: the Watchdog alert reaches its topic every few
    // minutes; silence means the alerting path (AMP rules, alert manager,
    // SNS) is broken. The alarm's own path (CloudWatch -> SNS) skips AMP.
    const silence = props.watchdogSilence ?? Duration.minutes(15);
    const period = Duration.minutes(5);
    const periods = Math.max(1, Math.round(silence.toMinutes() / period.toMinutes()));
    this.watchdogAlarm = new cloudwatch.Alarm(this, 'WatchdogSilent', {
      alarmName: props.names?.name('watchdog-silent'),
      alarmDescription: `No Watchdog notification for ${silence.toMinutes()} minutes: alerts from AMP are not being delivered. See docs/runbooks.md#watchdog.`,
      metric: topics[props.watchdogReceiver].metricNumberOfMessagesPublished({ period, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.watchdogAlarm.addAlarmAction(new cwActions.SnsAction(topics[critical]));
    this.watchdogAlarm.addOkAction(new cwActions.SnsAction(topics[critical]));
  }

  /** The topic of one receiver. */
  topic(receiver: string): sns.ITopic {
    const t = this.topics[receiver];
    if (!t) throw new Error(`AlertRouting: no topic for receiver "${receiver}"`);
    return t;
  }

  /** Lets the grantee publish to every alert topic (and use their key). */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return Object.values(this.topics)
      .map((t) => t.grantPublish(grantee))
      .reduce((all, g) => all.combine(g));
  }

  private slackNotifierFor(props: AlertRoutingProps, secret: secretsmanager.ISecret, receivers: string[]): lambda.IFunction {
    const logGroup = new logs.LogGroup(this, 'SlackNotifierLogs', {
      logGroupName: props.names?.path('slack-notifier'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'SlackNotifierRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Slack notifier: reads its webhook secret and writes its own logs',
    });
    logGroup.grantWrite(role);
    secret.grantRead(role);
    const fn = new lambda.Function(this, 'SlackNotifier', {
      functionName: props.names?.name('slack-notifier'),
      code: bundledNodeCode(path.join(__dirname, 'slack-notifier', 'handler.ts')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      environment: { WEBHOOK_SECRET_ID: secret.secretName },
      description: 'Posts alert notifications to Slack',
    });
    // cfn-lint W3005: CDK's DependsOn on the function's role repeats its Role GetAtt (see acknowledgeRoleDependsOn).
    acknowledgeRoleDependsOn(fn);
    for (const r of receivers) this.topics[r].addSubscription(new snsSubs.LambdaSubscription(fn));
    // A secret imported by name (Secret.fromSecretNameV2) is granted as "<name>-??????".
    const secretName = secret.secretName;
    if (!Token.isUnresolved(secretName))
      Validations.of(role).acknowledge({
        id:
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:' +
          secretName +
          '-??????]',
        reason:
          'A secret imported by name has a random six-character suffix: the ARN pattern ends in "-??????" and matches only that secret.',
      });
    return fn;
  }
}
