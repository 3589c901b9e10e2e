import { z } from 'zod';

/** CloudWatch Logs accepts only these retention periods (days). */
const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** E.164: a plus sign, a country code and at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;
const NAME = /^[a-z][a-z0-9-]{0,40}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

const serviceSchema = z.strictObject({
  /** The service's name; it is also the Prometheus `job` everywhere. */
  name: z.string().regex(NAME, { error: 'must be a lowercase name like "backend" (letters, digits, dashes)' }),
  /** Port of the Prometheus endpoint. @default 8001 */
  port: z.number().int().min(1).max(65535).default(8001),
  /** Path of the Prometheus endpoint. @default /metrics */
  path: z.string().startsWith('/', { error: 'must start with "/", e.g. "/metrics"' }).default('/metrics'),
});

const discoverySchema = z.discriminatedUnion(
  'mode',
  [
    /** Static targets `<service>:<port>`: compose service names (local). */
    z.strictObject({ mode: z.literal('static') }),
    /** DNS names `<service>.<namespace>:<port>`, e.g. Cloud Map. */
    z.strictObject({
      mode: z.literal('dns'),
      namespace: z.string().min(1, { error: 'must name the DNS namespace, e.g. "trading.internal"' }),
    }),
    /** ECS service discovery with the collector's `ecs_observer`. */
    z.strictObject({
      mode: z.literal('ecs'),
      /** Name of the ECS cluster the platform's tasks run in. */
      clusterName: z.string().min(1),
      /** Docker label whose value names the service (its `job`). @default com.trading.service */
      serviceLabel: z.string().min(1).default('com.trading.service'),
    }),
  ],
  { error: 'must be one of "static", "dns" (with namespace) or "ecs" (with clusterName)' },
);

const exportersSchema = z.strictObject({
  metrics: z.enum(['amp', 'cloudwatch', 'otlp', 'prometheus'], {
    error: 'must be one of "amp", "cloudwatch", "otlp" or "prometheus"',
  }),
  traces: z.enum(['xray', 'otlp', 'jaeger', 'none'], {
    error: 'must be one of "xray", "otlp", "jaeger" or "none"',
  }),
  /** The OTLP vendor endpoint, required when metrics or traces are "otlp". */
  otlp: z
    .strictObject({
      /** OTLP/HTTP endpoint, e.g. https://otlp.eu01.nr-data.net */
      endpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
      /** Header that carries the credential. @default Authorization */
      authHeader: z.string().min(1).default('Authorization'),
      /** Secrets Manager secret whose value is the header's value. */
      authSecretName: z.string().regex(SECRET_NAME, { error: 'must be a Secrets Manager secret name' }),
    })
    .optional(),
});

/**
 * Task memory (MiB) Fargate offers per task CPU, up to 4 vCPU: 256 -> 512, 1024,
 * 2048; 512 -> 1-4 GiB; 1024 -> 2-8 GiB; 2048 -> 4-16 GiB; 4096 -> 8-30 GiB, in
 * 1 GiB steps.
 * @see test/contracts/ecs.ts FARGATE_TASK_SIZES
 */
const gib = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => (from + i) * 1024);
export const FARGATE_MEMORY_MIB: Readonly<Record<256 | 512 | 1024 | 2048 | 4096, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: gib(1, 4),
  1024: gib(2, 8),
  2048: gib(4, 16),
  4096: gib(8, 30),
};
function describeSizes(sizes: readonly number[]): string {
  if (sizes.length <= 3) return `${sizes.slice(0, -1).join(', ')} or ${sizes[sizes.length - 1]}`;
  return `${sizes[0]} to ${sizes[sizes.length - 1]} in steps of 1024`;
}

/**
 * IAM Identity Center user and group ids, as UpdatePermissions accepts them:
 * a UUID, optionally prefixed by a 10-hex-digit identity store part
 * (pattern of User.id in the AMG API reference; see test/contracts/amg-permissions.ts).
 */
export const IDENTITY_CENTER_ID = /^([0-9a-fA-F]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;
const identityCenterIds = z
  .array(
    z.string().regex(IDENTITY_CENTER_ID, {
      error:
        'must be an IAM Identity Center id like "9067c5b4d3-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d" (Identity Center console, group or user details)',
    }),
  )
  .default([]);
const roleGrantSchema = z.strictObject({
  /** IAM Identity Center group ids given this role. @default [] */
  groups: identityCenterIds,
  /** IAM Identity Center user ids given this role. @default [] */
  users: identityCenterIds,
});
const GRAFANA_ROLES = ['admin', 'editor', 'viewer'] as const;
const grafanaAccessSchema = z.strictObject({
  admin: roleGrantSchema.default({ groups: [], users: [] }),
  editor: roleGrantSchema.default({ groups: [], users: [] }),
  viewer: roleGrantSchema.default({ groups: [], users: [] }),
  /**
   * This project owns the workspace's access: assignments made by hand (not
   * listed here) are revoked at deploy. @default false (hand-made assignments stay)
   */
  exclusive: z.boolean().default(false),
  /**
   * The ids above are examples shipped with the project, not your groups: the
   * entry point refuses to synthesize this environment (so `cdk deploy` cannot
   * start) until they are replaced and this is removed; `-c reviewOnly=true`
   * synthesizes it to review or lint the template. @default false
   */
  placeholders: z.boolean().default(false),
});
/**
 * The GrafanaVersion strings Amazon Managed Grafana offers: 9.4, 10.4, 12.4,
 * and a 13.x whose exact string no source we read gives; see
 * test/contracts/grafana.ts (AMG.knownVersions, AMG.majors).
 */
const GRAFANA_VERSION = /^(9\.4|10\.4|12\.4|13\.\d+)$/;
/** Settings both sign-in modes share. */
const grafanaCommon = {
  /** Let workspace admins install plugins. @default false */
  pluginAdminEnabled: z.boolean().default(false),
  /**
   * Who may reach the workspace over the network (AWS::Grafana::Workspace
   * NetworkAccessControl): "public" (any address; Grafana sign-in is still
   * required), or only these managed prefix lists and VPC endpoints (the
   * dashboard importer then runs in the collector's VPC and reaches it through
   * an endpoint of its own). Required for prod.
   * @default "public"
   */
  networkAccess: z
    .union([
      z.literal('public'),
      z.strictObject({
        prefixListIds: z.array(z.string().regex(/^pl-[0-9a-f]+$/, { error: 'must be a prefix list id like "pl-1a2b3c4d"' })),
        vpceIds: z.array(z.string().regex(/^vpce-[0-9a-f]+$/, { error: 'must be a VPC endpoint id like "vpce-0abc1234def567890"' })),
      }),
    ])
    .optional(),
  /**
   * Grafana version of the workspace: "12.4" (default), "10.4", "9.4", or a 13.x
   * version once AMG lists it for your Region (`aws grafana list-versions`).
   * AMG upgrades a workspace in place and never downgrades it: raising this
   * on a deployed environment is one-way, lowering it fails the deployment.
   */
  version: z
    .string()
    .regex(GRAFANA_VERSION, {
      error:
        'is not a version Amazon Managed Grafana offers: use "12.4", "10.4" or "9.4" (a 13.x version once `aws grafana list-versions` lists it)',
    })
    .default('12.4'),
  /**
   * Make the X-Ray data source. Its plugin is installed through the Grafana API,
   * which needs pluginAdminEnabled: true. @default false
   */
  xray: z.boolean().default(false),
};
const xrayNeedsPlugins = (g: { xray: boolean; pluginAdminEnabled: boolean }) => !g.xray || g.pluginAdminEnabled;
const xrayNeedsPluginsError = {
  error: 'xray needs the X-Ray plugin installed: set pluginAdminEnabled: true as well, or xray: false',
  path: ['xray'],
};

const grafanaSchema = z.discriminatedUnion(
  'authentication',
  [
    z
      .strictObject({
        authentication: z.literal('AWS_SSO'),
        ...grafanaCommon,
        /** Who may open the workspace, and with which role (applied with AMG's UpdatePermissions). @default - no one is assigned */
        access: grafanaAccessSchema.optional(),
      })
      .refine(xrayNeedsPlugins, xrayNeedsPluginsError),
    z
      .strictObject({
        authentication: z.literal('SAML'),
        ...grafanaCommon,
        saml: z.strictObject({
          idpMetadataUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
          /** SAML assertion attribute that carries the user's roles. @default role */
          roleAttribute: z.string().min(1).default('role'),
          adminRoleValues: z.array(z.string().min(1)).min(1),
          editorRoleValues: z.array(z.string().min(1)).default([]),
        }),
      })
      .refine(xrayNeedsPlugins, xrayNeedsPluginsError),
  ],
  { error: 'authentication must be "AWS_SSO" or "SAML"' },
);

/** Seconds Application Auto Scaling waits after a scaling activity (0 to 1 day). */
const cooldown = z.number().int().min(0).max(86400, { error: 'must be at most 86400 seconds (a day): use a shorter cooldown' });

const collectorScalingSchema = z.strictObject({
  /** The most tasks the collector scales out to (its minimum is `collector.replicas`). */
  maxReplicas: z.number().int().min(1).max(10, { error: 'must be at most 10: use 10 or fewer (every task scrapes every target)' }),
  /** Average CPU utilization (percent) the tasks are kept at. @default 60 */
  cpuTargetPercent: z.number().min(10).max(90, { error: 'must be between 10 and 90: use e.g. 60' }).default(60),
  /** At least as long as a new task takes to start and count, or the policy adds tasks for a load already covered. @default 180 */
  scaleOutCooldownSeconds: cooldown.default(180),
  /** Remove a task only when the average CPU has stayed under this (a band below the target against flapping). @default - half of cpuTargetPercent */
  scaleInBelowPercent: z.number().min(1).max(89).optional(),
  /** ...for this many minutes. @default 15 */
  scaleInAfterMinutes: z.number().int().min(2).max(60).default(15),
  /** Long on purpose: a task scaled in takes its queue's retries with it (docs/scaling.md). @default 600 */
  scaleInCooldownSeconds: cooldown.default(600),
});

/** Aggregations a scaling signal may use, by the catalog metric's type (lib/model/scaling.ts checks the pairing). */
export const SCALING_AGGREGATIONS = ['max', 'min', 'avg', 'mean'] as const;

/**
 * One platform service scaled on a catalog metric: Application Auto Scaling
 * target tracking on the service (imported by its ECS cluster and service
 * names, never owned), the signal carried to CloudWatch by the collector.
 */
const serviceScalingSchema = z
  .strictObject({
    /** The ECS cluster the service runs in (its name). Required on AWS; a local environment only shows the signal. */
    cluster: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'must be an ECS cluster name (letters, digits, - and _)' })
      .optional(),
    /** The ECS service's name. @default - the key (the platform service's name) */
    ecsService: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'must be an ECS service name (letters, digits, - and _)' })
      .optional(),
    /**
     * The catalog metric the service scales on (catalog/metrics.yaml), as the
     * collector scrapes it: a metric a service only pushes over OTLP never
     * reaches the scaling pipeline.
     */
    metric: z.string().min(1),
    /**
     * The service whose series of the metric are read (it may be another, e.g.
     * the backend's pending executions scale the worker).
     * @default - the one service of this environment the catalog says emits it
     */
    from: z.string().optional(),
    /**
     * How the metric's series across the tasks that emit it become one value:
     * max, min or avg for a gauge; mean (sum / count) for a histogram.
     */
    aggregation: z.enum(SCALING_AGGREGATIONS, { error: 'must be one of "max", "min", "avg" (gauges) or "mean" (histograms)' }),
    /** Divide by the scaled service's running tasks (e.g. pending executions per worker task). @default false */
    perTask: z.boolean().default(false),
    /** The value target tracking keeps the signal at. */
    target: z.number().positive({ error: 'must be a positive number: use the value to keep the signal at' }),
    /** The target's unit: the catalog metric's own (e.g. "1", "s"). */
    unit: z.string().min(1),
    minTasks: z.number().int().min(0).max(1000),
    maxTasks: z.number().int().min(1).max(1000),
    /** At least as long as a new task takes to start and count in the signal, or the policy overshoots. @default 180 */
    scaleOutCooldownSeconds: cooldown.default(180),
    /** @default 300 */
    scaleInCooldownSeconds: cooldown.default(300),
  })
  .superRefine((s, ctx) => {
    if (s.minTasks > s.maxTasks) {
      ctx.addIssue({
        code: 'custom',
        path: ['minTasks'],
        input: s.minTasks,
        message: `is above maxTasks (${s.maxTasks}): use a minTasks of ${s.maxTasks} or less, or raise maxTasks`,
      });
    }
  });

const alertsSchema = z.strictObject({
  /** Addresses subscribed to the critical and warning topics. */
  email: z.array(z.email({ error: 'must be an email address like "oncall@example.com"' })).default([]),
  /** Phone numbers (E.164) subscribed to the critical topic. */
  sms: z.array(z.string().regex(E164, { error: 'must be an E.164 phone number like "+14155550100"' })).default([]),
  /** PagerDuty events integration for critical alerts. */
  pagerduty: z
    .strictObject({
      /** Secrets Manager secret with the integration URL under key `url`. */
      secretName: z.string().regex(SECRET_NAME, { error: 'must be a Secrets Manager secret name' }),
    })
    .optional(),
  /**
   * Slack for critical, warning and info alerts. On AWS the webhook URL is in
   * Secrets Manager; locally Alertmanager reads it from the file named by
   * SLACK_WEBHOOK_URL_FILE when the stack starts.
   */
  slack: z
    .strictObject({
      /** Secrets Manager secret with the webhook URL under key `url` (required on AWS). */
      webhookSecretName: z.string().regex(SECRET_NAME, { error: 'must be a Secrets Manager secret name' }).optional(),
    })
    .optional(),
});

export const environmentSchema = z
  .strictObject({
    /** Application name: the first part of every physical name. */
    app: z.string().regex(NAME, { error: 'must be a lowercase name like "trading-observability"' }),
    /** Where this environment runs: AWS managed services, or the local Docker stack. */
    target: z.enum(['aws', 'local'], { error: 'must be "aws" or "local"' }),
    /** AWS account; without account and region the template is environment-agnostic. */
    account: z
      .string()
      .regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id in quotes' })
      .optional(),
    /** AWS region, e.g. eu-west-1. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'must be an AWS region like "eu-west-1"' })
      .optional(),
    services: z.array(serviceSchema).min(1, { error: 'must list at least one service' }),
    /** Prometheus scrape (and rule evaluation) interval, in seconds (5 to 300); required in every environment. */
    scrapeIntervalSeconds: z.number().int().min(5).max(300),
    discovery: discoverySchema,
    exporters: exportersSchema,
    /** CloudWatch Logs retention, one of the values CloudWatch allows. */
    logRetentionDays: z.number().refine((d) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(d), {
      error: `must be a retention CloudWatch Logs allows: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}`,
    }),
    /** Mask email addresses and AWS secret keys in log events (CloudWatch data protection). @default false */
    logDataProtection: z.boolean().default(false),
    /** Error-level log events per service in 5 minutes that raise a warning alarm. @default 10 */
    logErrorAlarmThreshold: z.number().int().min(1).default(10),
    tracing: z
      .strictObject({
        /** Share of requests X-Ray samples beyond the first one each second (0-1). @default 0.05 */
        sampleRate: z.number().min(0).max(1, { error: 'must be a fraction between 0 and 1, e.g. 0.05' }).default(0.05),
      })
      .default({ sampleRate: 0.05 }),
    collector: z
      .strictObject({
        /**
         * Collector tasks. With 2 or more, every task scrapes every target and
         * AMP's HA deduplication keeps one replica's samples (see docs/collector.md). @default 1
         */
        replicas: z.number().int().min(1).max(10).default(1),
        /** Fargate CPU units per task. @default 1024 */
        cpu: z
          .union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
            error: 'must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096',
          })
          .default(1024),
        /** Memory per task (MiB), one Fargate offers with `cpu` (FARGATE_MEMORY_MIB). @default 2048 */
        memoryMiB: z.number().int().min(512).max(30720).default(2048),
        /** Run in the platform's existing ECS cluster (by name) instead of a new one. @default - a cluster is created */
        clusterName: z.string().min(1).optional(),
        /**
         * Scale the collector between `replicas` and `maxReplicas` tasks on its CPU
         * (target tracking; see docs/scaling.md for why CPU). @default - a fixed `replicas`
         */
        autoScaling: collectorScalingSchema.optional(),
      })
      .default({ replicas: 1, cpu: 1024, memoryMiB: 2048 })
      .superRefine((c, ctx) => {
        if (c.autoScaling?.scaleInBelowPercent !== undefined && c.autoScaling.scaleInBelowPercent >= c.autoScaling.cpuTargetPercent) {
          ctx.addIssue({
            code: 'custom',
            path: ['autoScaling', 'scaleInBelowPercent'],
            input: c.autoScaling.scaleInBelowPercent,
            message: `is not below cpuTargetPercent (${c.autoScaling.cpuTargetPercent}), so tasks would be added and removed in turn: use a value well below it, e.g. ${c.autoScaling.cpuTargetPercent / 2}`,
          });
        }
        if (c.autoScaling && c.autoScaling.maxReplicas < c.replicas) {
          ctx.addIssue({
            code: 'custom',
            path: ['autoScaling', 'maxReplicas'],
            input: c.autoScaling.maxReplicas,
            message: `is below replicas (${c.replicas}), the minimum the collector scales in to: use a maxReplicas of ${c.replicas} or more, or lower replicas`,
          });
        }
        const offered = FARGATE_MEMORY_MIB[c.cpu];
        if (!offered.includes(c.memoryMiB)) {
          ctx.addIssue({
            code: 'custom',
            path: ['memoryMiB'],
            input: c.memoryMiB,
            message: `is not a memory size Fargate offers with cpu ${c.cpu}: use ${describeSizes(offered)} MiB with cpu ${c.cpu}, or a larger cpu (the pairs: ECS "Task CPU and memory" table)`,
          });
        }
      }),
    /**
     * The platform's network, imported by id (no lookups at synth): the VPC
     * whose private subnets can reach the services' metrics ports and where
     * the discovery namespace resolves. Required on AWS; `createMinimalVpc:
     * true` instead creates a VPC of the collector's own, for trying the
     * stack out only: from it no service can be scraped.
     */
    network: z
      .strictObject({
        /** Opt-in: a minimal VPC of its own, which monitors nothing until the services can be reached. */
        createMinimalVpc: z
          .literal(true, { error: 'must be true, or removed in favour of vpcId, vpcCidr, availabilityZones and privateSubnetIds' })
          .optional(),
        vpcId: z
          .string()
          .regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, {
            error: 'must be a VPC id: "vpc-" and 8 or 17 hex digits, like "vpc-0abc1234def567890"',
          })
          .optional(),
        vpcCidr: z
          .string()
          .regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, { error: 'must be a CIDR like "10.0.0.0/16"' })
          .optional(),
        availabilityZones: z.array(z.string().min(1)).min(1).optional(),
        privateSubnetIds: z
          .array(
            z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, {
              error: 'must be a subnet id: "subnet-" and 8 or 17 hex digits, like "subnet-0abc1234def567890"',
            }),
          )
          .min(1)
          .optional(),
      })
      .optional(),
    /** How long AMP (or local Prometheus) keeps samples. */
    metricsRetentionDays: z.number().int().min(1).max(1095, { error: 'AMP keeps metrics at most 1095 days' }),
    grafana: grafanaSchema,
    alerts: alertsSchema,
    /** Principals (ARNs) that may assume the remote-write-only role. @default - no role */
    remoteWritePrincipals: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+)$/, { error: 'must be an IAM principal ARN' }))
      .default([]),
    /**
     * Platform services scaled on catalog metrics, by service name (a name of
     * `services`). @default {} (none)
     */
    scaling: z.record(z.string(), serviceScalingSchema).default({}),
    /** Extra tags on every resource. */
    tags: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((env, ctx) => {
    const allowed =
      env.target === 'aws'
        ? { metrics: ['amp', 'cloudwatch', 'otlp'], traces: ['xray', 'otlp', 'none'] }
        : { metrics: ['prometheus', 'otlp'], traces: ['jaeger', 'otlp', 'none'] };
    // Logs have no exporter to choose: on AWS services log to CloudWatch Logs
    // (ServiceLogGroups), locally to Docker; `exporters.logs` was removed
    // because nothing read it.
    for (const signal of ['metrics', 'traces'] as const) {
      const value = env.exporters[signal];
      if (!allowed[signal].includes(value)) {
        ctx.addIssue({
          code: 'custom',
          path: ['exporters', signal],
          input: value,
          message: `"${value}" cannot be used by ${env.target === 'aws' ? 'an AWS' : 'a local'} environment: use one of ${allowed[signal].map((a) => `"${a}"`).join(', ')}`,
        });
      }
    }
    if ((env.exporters.metrics === 'otlp' || env.exporters.traces === 'otlp') && !env.exporters.otlp) {
      ctx.addIssue({
        code: 'custom',
        path: ['exporters', 'otlp'],
        input: undefined,
        message: 'is required when metrics or traces go to "otlp": add exporters.otlp.endpoint and exporters.otlp.authSecretName',
      });
    }
    if (env.target === 'aws' && env.alerts.slack && !env.alerts.slack.webhookSecretName) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', 'slack', 'webhookSecretName'],
        input: undefined,
        message: 'is required on AWS: add the name of the Secrets Manager secret holding the webhook URL',
      });
    }
    const modes = env.target === 'aws' ? ['dns', 'ecs'] : ['static'];
    if (!modes.includes(env.discovery.mode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['discovery', 'mode'],
        input: env.discovery.mode,
        message: `cannot be used by ${env.target === 'aws' ? 'an AWS' : 'a local'} environment: use ${modes.map((m) => `"${m}"`).join(' or ')}`,
      });
    }
    if ((env.account === undefined) !== (env.region === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.account === undefined ? 'account' : 'region'],
        input: undefined,
        message: 'is required when the other of account/region is set: give both, or neither for an environment-agnostic template',
      });
    }
    const net = env.network;
    const platformKeys = ['vpcId', 'vpcCidr', 'availabilityZones', 'privateSubnetIds'] as const;
    if (env.target === 'aws' && (env.discovery.mode === 'dns' || env.discovery.mode === 'ecs') && !net) {
      // Without the platform's VPC the collector runs where no service and no
      // Cloud Map name can be reached: no targets, no `up`, ServiceDown never fires.
      ctx.addIssue({
        code: 'custom',
        path: ['network'],
        input: undefined,
        message: `is required for an AWS environment that scrapes by "${env.discovery.mode}" (the collector must run where the services can be reached): add network.vpcId, vpcCidr, availabilityZones and privateSubnetIds of the platform's VPC${env.discovery.mode === 'dns' ? ` (where "${env.discovery.namespace}" resolves)` : ''}, or network.createMinimalVpc: true to try the stack out with a VPC that monitors nothing`,
      });
    }
    if (net?.createMinimalVpc && platformKeys.some((k) => net[k] !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'createMinimalVpc'],
        input: true,
        message:
          "cannot be combined with the platform's network: remove createMinimalVpc, or remove vpcId, vpcCidr, availabilityZones and privateSubnetIds",
      });
    }
    if (net && !net.createMinimalVpc) {
      for (const k of platformKeys) {
        if (net[k] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['network', k],
            input: undefined,
            message: `is missing: add network.${k} (the platform's network needs vpcId, vpcCidr, availabilityZones and privateSubnetIds), or use network.createMinimalVpc: true alone`,
          });
      }
    }
    if (net?.availabilityZones && net.privateSubnetIds && net.availabilityZones.length !== net.privateSubnetIds.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'privateSubnetIds'],
        input: net.privateSubnetIds,
        message: 'must list one subnet per availability zone, in the same order: give as many privateSubnetIds as availabilityZones',
      });
    }
    if (env.grafana.authentication === 'AWS_SSO' && env.grafana.access) {
      const roleOf = new Map<string, string>();
      for (const role of GRAFANA_ROLES) {
        for (const kind of ['groups', 'users'] as const) {
          env.grafana.access[role][kind].forEach((id, i) => {
            const other = roleOf.get(id);
            if (other !== undefined) {
              ctx.addIssue({
                code: 'custom',
                path: ['grafana', 'access', role, kind, i],
                input: id,
                message: `is also given the ${other} role: remove it from one of the two, a group or user has one role on a workspace`,
              });
            }
            roleOf.set(id, role);
          });
        }
      }
    }
    if (env.grafana.authentication === 'SAML') {
      env.grafana.saml.editorRoleValues.forEach((value, i) => {
        if (env.grafana.authentication === 'SAML' && env.grafana.saml.adminRoleValues.includes(value)) {
          ctx.addIssue({
            code: 'custom',
            path: ['grafana', 'saml', 'editorRoleValues', i],
            input: value,
            message: 'is also an admin role value: remove it from one of adminRoleValues and editorRoleValues',
          });
        }
      });
    }
    const maxReplicas = env.collector.autoScaling?.maxReplicas ?? env.collector.replicas;
    if (env.target === 'aws' && maxReplicas > env.collector.replicas && env.exporters.metrics !== 'amp') {
      ctx.addIssue({
        code: 'custom',
        path: ['collector', 'autoScaling', 'maxReplicas'],
        input: maxReplicas,
        message: `would double-count every scraped series with metrics exporter "${env.exporters.metrics}", which does not deduplicate replicas: remove collector.autoScaling, or use metrics: amp`,
      });
    }
    if (env.target === 'local' && env.collector.autoScaling) {
      ctx.addIssue({
        code: 'custom',
        path: ['collector', 'autoScaling'],
        input: undefined,
        message:
          "cannot scale a local environment (Application Auto Scaling is AWS only): remove collector.autoScaling; the local Grafana shows the collector's load instead (docs/scaling.md)",
      });
    }
    for (const [name, s] of Object.entries(env.scaling)) {
      if (env.target === 'aws' && s.cluster === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['scaling', name, 'cluster'],
          input: undefined,
          message: `is required on AWS: add the name of the ECS cluster "${name}" runs in`,
        });
      }
    }
    const serviceNames = new Set(env.services.map((s) => s.name));
    for (const name of Object.keys(env.scaling)) {
      if (!serviceNames.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['scaling', name],
          input: name,
          message: `is not a service of this environment: use one of ${[...serviceNames].map((n) => `"${n}"`).join(', ')}`,
        });
      }
    }
    if (env.collector.replicas > 1 && env.exporters.metrics !== 'amp') {
      // Every replica scrapes every target; only AMP deduplicates (cluster/__replica__).
      ctx.addIssue({
        code: 'custom',
        path: ['collector', 'replicas'],
        input: env.collector.replicas,
        message: `double-counts every scraped series with metrics exporter "${env.exporters.metrics}", which does not deduplicate replicas: use replicas: 1, or metrics: amp`,
      });
    }
    const seen = new Set<string>();
    env.services.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'name'],
          input: s.name,
          message: 'is listed twice: service names must be unique',
        });
      }
      seen.add(s.name);
    });
  });

/** A validated environment. */
export type EnvironmentConfig = z.infer<typeof environmentSchema> & { readonly name: string };

/** The platform's network when the environment names one (undefined for none or createMinimalVpc). */
export function platformNetworkOf(
  env: EnvironmentConfig,
): { vpcId: string; vpcCidr: string; availabilityZones: string[]; privateSubnetIds: string[] } | undefined {
  const n = env.network;
  if (!n || n.createMinimalVpc || !n.vpcId || !n.vpcCidr || !n.availabilityZones || !n.privateSubnetIds) return undefined;
  return { vpcId: n.vpcId, vpcCidr: n.vpcCidr, availabilityZones: n.availabilityZones, privateSubnetIds: n.privateSubnetIds };
}
