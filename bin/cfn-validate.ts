import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import {
  App,
  attachCustomSynthesis,
  CloudFormationValidatePlugin,
  IPolicyValidationContext,
  PolicyValidationPluginReport,
  PolicyValidationStack,
  Stack,
  Stage,
  Validations,
} from 'aws-cdk-lib';
import { EnvironmentUtils, UNKNOWN_ACCOUNT, UNKNOWN_REGION } from 'aws-cdk-lib/cx-api';

/**
 * CDK's CloudFormation validation of the synthesized templates (the rule
 * engine cdk.json's `@aws-cdk/core:validateAgainstDefaultRules` turns into
 * errors), run by CDK's own CloudFormationValidatePlugin on a worker thread
 * that starts its engine as soon as the app starts, instead of on the main
 * thread when synthesis reaches validation.
 *
 * Why: the engine (WebAssembly) takes about 1.7 s to start, a third of the
 * app's synth, and that start depends on nothing the app builds; on a worker
 * it overlaps loading the app's modules, compiling the model and building the
 * constructs, which take longer. The worker also starts validating as soon as
 * the templates are written (`prevalidate`), while this thread runs cdk-nag's
 * checks. The templates are validated by the same plugin, with the same rules
 * and options, and its report goes through CDK's handling unchanged
 * (acknowledgements, errors or warnings, validation-report.json): registering
 * a CloudFormationValidatePlugin at the app replaces the one CDK would add
 * (`includeDefaultRules` in CloudFormationValidatePluginProps, aws-cdk-lib
 * 2.276.0), and a subclass is one. One difference, CDK's for any registered
 * plugin: in an app with nested stages the report would list the app's own
 * stacks first (this app has one stage). Used by the entry point only
 * (`cdk synth`, `cdk deploy`); the tests keep CDK's own instance.
 */
class WorkerCloudFormationValidate extends CloudFormationValidatePlugin {
  /** Started with the plugin; a synth validates once, then the worker ends (another validation would start one anew). */
  private worker?: Worker = startWorker();
  /** A validation asked for as soon as the templates were written (`prevalidate`), with what it validated (`inputsOf`). */
  private early?: { readonly inputs: string; readonly reply: Pending };
  private reportedVersion?: string;

  /** The engine's version, as the worker's plugin reports it (CDK's getter would load the 9 MB engine on this thread). */
  get version(): string | undefined {
    return this.reportedVersion ?? super.version;
  }

  get ruleIds(): string[] | undefined {
    return this.reportedVersion ? [this.reportedVersion] : super.ruleIds;
  }

  /**
   * Starts validating `stackTemplates` now, before CDK asks: the worker
   * validates while this thread goes on (cdk-nag's checks come first). Used
   * by `validate` only if CDK asks for exactly these stacks, templates
   * unchanged to the byte.
   */
  prevalidate(stackTemplates: PolicyValidationStack[]): void {
    this.early = {
      inputs: inputsOf(stackTemplates),
      reply: this.ask({ templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates }),
    };
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const early = this.early;
    this.early = undefined;
    let reply: Reply;
    try {
      if (early && early.inputs === inputsOf(context.stackTemplates)) {
        reply = early.reply.wait();
      } else {
        // The worker answers in turn: the early validation's answer (unused) first.
        early?.reply.wait();
        // What the plugin reads of the context; the construct tree stays on this thread.
        const { templatePaths, stackTemplates, accountId, region } = context;
        reply = this.ask({ templatePaths, stackTemplates, accountId, region }).wait();
      }
    } finally {
      // Also when a wait failed: a stuck worker must not keep using CPU.
      void this.worker?.terminate();
      this.worker = undefined;
    }
    if ('error' in reply) throw new Error(reply.error);
    this.reportedVersion = reply.version;
    return reply.report;
  }

  private ask(context: Omit<IPolicyValidationContext, 'appConstruct'>): Pending {
    this.worker ??= startWorker();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ context, port: port2, done }, [port2]);
    return {
      // Synchronous, as CDK calls plugins: wait for the worker's flag, in slices, up to a deadline (a worker that
      // died without answering must not hang the synth).
      wait: () => {
        try {
          const deadline = Date.now() + WAIT_LIMIT_MS;
          while (Atomics.wait(done, 0, 0, 1000) === 'timed-out') {
            if (Date.now() > deadline)
              throw new Error(`the CloudFormation validation worker did not answer within ${WAIT_LIMIT_MS / 1000} s`);
          }
          const reply = receiveMessageOnPort(port1)?.message as Reply | undefined;
          if (!reply) throw new Error('the CloudFormation validation worker raised its flag without a reply');
          return reply;
        } finally {
          port1.close();
        }
      },
    };
  }
}

/** The stacks to validate and a digest of each template's bytes. */
function inputsOf(stackTemplates: readonly PolicyValidationStack[]): string {
  const digest = (file: string) => {
    try {
      return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    } catch {
      return null;
    }
  };
  return JSON.stringify(stackTemplates.map((s) => [s, digest(s.templatePath)]));
}

type Reply = { readonly report: PolicyValidationPluginReport; readonly version?: string } | { readonly error: string };
interface Pending {
  wait(): Reply;
}

function startWorker(): Worker {
  const worker = new Worker(path.join(__dirname, 'cfn-validate-worker.cjs'), {
    workerData: { types: RESOURCE_TYPES },
    // Not the TypeScript loader of cdk.json's app: the worker is JavaScript. V8 flags are the process's anyway.
    execArgv: [],
  });
  // The worker never keeps the process alive (an app that fails before synth exits as before).
  worker.unref();
  // The worker answers every request, its own start's failure included (cfn-validate-worker.cjs); what it cannot
  // answer (the thread itself failing) is said here, as the synth then ends at the wait's deadline.
  worker.on('error', (e) => process.stderr.write(`the CloudFormation validation worker failed: ${e.message}\n`));
  return worker;
}

/** Longer than any validation takes (the full-scale project's templates: seconds). */
const WAIT_LIMIT_MS = 600_000;

/**
 * The CloudFormation resource types of the app's templates, every
 * environment's (test/cfn-validate.test.ts checks it): the worker starts the
 * engine with them, and CDK keeps that engine for any template whose types are
 * among them. A type missing here costs time only: CDK starts the engine
 * again for that template (about 0.5 s once warm).
 */
export const RESOURCE_TYPES: readonly string[] = [
  'AWS::APS::AnomalyDetector',
  'AWS::APS::RuleGroupsNamespace',
  'AWS::APS::Workspace',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::CDK::Metadata',
  'AWS::CloudFormation::Stack',
  'AWS::CloudWatch::Alarm',
  'AWS::EC2::EIP',
  'AWS::EC2::FlowLog',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::NatGateway',
  'AWS::EC2::Route',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::Subnet',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPC',
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::ECS::Cluster',
  'AWS::ECS::Service',
  'AWS::ECS::TaskDefinition',
  'AWS::Grafana::Workspace',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::Logs::MetricFilter',
  'AWS::Logs::QueryDefinition',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SSM::Parameter',
  'AWS::ServiceDiscovery::PrivateDnsNamespace',
  'AWS::ServiceDiscovery::Service',
  'AWS::XRay::Group',
  'AWS::XRay::SamplingRule',
  'Custom::GrafanaAccess',
  'Custom::GrafanaDashboards',
  'Custom::GrafanaUpgradeGate',
  'Custom::VpcRestrictDefaultSG',
];

/**
 * Validates `app`'s templates with the worker's plugin, when CDK would
 * validate them: not with `CDK_VALIDATION=false` (aws-cdk-lib
 * core/lib/private/synthesis-validation.js, defaultValidationEnabled), where
 * CDK adds no validation of its own either. Call it before building the
 * stacks: the worker starts its engine at once.
 *
 * The plugin is registered at the app's own step of synthesis (CDK's
 * attachCustomSynthesis; the app comes after every stack), when the templates
 * are written and CDK is about to validate them: a plugin registered earlier
 * would be named in each template's CDKMetadata (core/lib/private/stack-metadata.js,
 * addValidationPluginInfo), CDK's default one is not, and the templates must
 * stay the ones CDK's default validation gives. attachCustomSynthesis is
 * exported by aws-cdk-lib but documented as meant for CDK's own libraries:
 * were it, or the order of synthesis, ever to change, CDK's default plugin
 * would run on this thread and the worker's would not (slower, never
 * unvalidated).
 */
export function validateOnWorker(app: App): void {
  if (process.env.CDK_VALIDATION === 'false') return;
  const plugin = new WorkerCloudFormationValidate();
  attachCustomSynthesis(app, {
    onSynthesize: (session) => {
      Validations.of(app).addPlugins(plugin);
      plugin.prevalidate(stackTemplatesOf(app, session.outdir));
    },
  });
}

/**
 * The stacks CDK will ask to validate, as it will describe them
 * (core/lib/private/synthesis-validation.js, invokeSinglePlugin: the app's
 * stack artifacts, each with its display name, template and known account and
 * region), from the construct tree once the templates are written. A guess
 * checked at `validate`: another list is validated anew.
 */
function stackTemplatesOf(app: App, outdir: string): PolicyValidationStack[] {
  return app.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c) && !c.nested && Stage.of(c) === app)
    .map((stack) => {
      const { account, region } = EnvironmentUtils.parse(stack.environment);
      return {
        stackConstructPath: stack.node.path,
        templatePath: path.join(outdir, stack.templateFile),
        accountId: account !== UNKNOWN_ACCOUNT ? account : undefined,
        region: region !== UNKNOWN_REGION ? region : undefined,
      };
    });
}
