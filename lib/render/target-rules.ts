import { toYaml } from '../yaml-text';

/** Where the generated target rules sit among alerts/ (not a file in the repository; its tests are alerts/tests/targets.yaml). */
export const TARGETS_FILE = 'alerts/targets.yaml';

/** How long a job may have no `up` series before it pages: a few scrape intervals and a collector restart. */
const TARGET_MISSING_FOR = '3m';

/**
 * Age of a job's newest `up` sample past which its metrics have stopped: a
 * few 15 s scrapes and the collector's export delay. `time() - timestamp(up)`
 * sees the stop long before `absent(up)` can, after the 5-minute lookback.
 * @see test/contracts/prometheus.ts STALENESS
 */
export const STALE_AFTER_SECONDS = 60;

/**
 * Restarts in 15 minutes above which a service crash-loops, beyond one per
 * task (a rolling deploy replaces every task once, and one restart is not a
 * loop): this many more.
 */
export const EXTRA_RESTARTS = 2;

/** Restarts in each 5-minute slice of 15 minutes that make a loop however many tasks the service has. */
const PERSISTENT_RESTARTS = 2;

const RUNBOOKS = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md';

/**
 * Alerts for scrape targets that are missing altogether, generated from the
 * environment's services. `ServiceDown` (`up == 0`) needs an `up` series;
 * when the collector is down, misconfigured or cannot discover a service,
 * there is none, and only `absent()` notices (kubernetes-mixin's
 * `absent(up{job="..."} == 1)` pattern, e.g. KubeAPIDown). One alert covers
 * every service: `absent` returns the job label of its equality matcher, so
 * each missing service fires on its own. The collector's own metrics (its
 * self-scrape job) get their own alert.
 */
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function renderTargetRules(services: readonly string[], collectorJob: string, scrapeIntervalSeconds = 15): string {
  const absent = (job: string) => `absent(up{job=${JSON.stringify(job)}})`;
  const jobs = `job=~${JSON.stringify(services.map(escapeRegex).join('|'))}`;
  const up = `up{${jobs}}`;
  // Every job that reaches Prometheus through the collector: the services and the collector's self-scrape.
  const written = `up{job=~${JSON.stringify([...services, collectorJob].map(escapeRegex).join('|'))}}`;
  // Restarts in a window, per job: flips of one series (up 1 -> 0 -> 1 is one restart: changes / 2) and tasks
  // replaced (an ECS task that restarts is a new task, with a new address, so a new series): series seen in the
  // window beyond the most that were there at once. Both read the whole window, so an evaluation at which no task
  // happens to be up does not reset the alert's `for`.
  const restartsIn = (window: string, offset = '') =>
    `(sum by (job) (changes(${up}[${window}]${offset})) / 2 + count by (job) (max_over_time(${up}[${window}]${offset})) - max_over_time(count by (job) (${up})[${window}:1m]${offset}))`;
  const mostAtOnce = `max_over_time(count by (job) (${up})[15m:1m])`;
  // A loop, not a deploy: more restarts in 15 minutes than one per task plus EXTRA_RESTARTS (a burst like a deploy
  // stays under it), or at least PERSISTENT_RESTARTS in each of its three 5-minute slices (one task of many that keeps
  // restarting; a deploy replaces its tasks in one burst, not in every slice).
  const persistent = ['', ' offset 5m', ' offset 10m']
    .map((o) => `${restartsIn('5m', o)} >= ${PERSISTENT_RESTARTS}`)
    .join(' and on (job) ');
  // The freshest sample of everything the collector writes: how long ago anything arrived.
  const freshest = `time() - max(timestamp(${written}))`;
  const groups = [
    {
      name: 'scrape_targets',
      // They page: 30 s, the shortest AMP evaluates (config/limits.yaml; npm run bench -- --alert-latency).
      interval: '30s',
      rules: [
        {
          alert: 'ServiceNotScraped',
          expr: services.map(absent).join(' or '),
          for: TARGET_MISSING_FOR,
          labels: { severity: 'critical', service: '{{ $labels.job }}' },
          annotations: {
            summary: 'No metrics at all from {{ $labels.job }}',
            description: `There has been no \`up\` series for job {{ $labels.job }} for ${TARGET_MISSING_FOR}: it is not being scraped at all (collector down or misconfigured, or the service is not discovered).`,
            runbook_url: `${RUNBOOKS}#servicenotscraped`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        },
        {
          // A crash loop: ServiceDown (up == 0 for 1m) resets on every good scrape, and a restarted task is a new
          // series. One restart, or a rolling deploy (each task replaced once), stays under the threshold.
          alert: 'ServiceCrashLooping',
          expr: `${restartsIn('15m')} > ${mostAtOnce} + ${EXTRA_RESTARTS} or ${persistent}`,
          for: '5m',
          labels: { severity: 'critical', service: '{{ $labels.job }}' },
          annotations: {
            summary: '{{ $labels.job }} keeps restarting',
            description: `{{ $labels.job }} restarted {{ $value | printf "%.0f" }} times in the window that tripped the alert (15 minutes: more than once per task plus ${EXTRA_RESTARTS}; or each 5-minute slice: at least ${PERSISTENT_RESTARTS}): it is crash-looping or its scrapes flap.`,
            runbook_url: `${RUNBOOKS}#servicecrashlooping`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        },
        {
          // Every target down at once: one cause (the network, the collector's scraping, the platform), one page.
          alert: 'AllTargetsDown',
          expr: `max(${up}) == 0`,
          for: '1m',
          labels: { severity: 'critical', service: collectorJob },
          annotations: {
            summary: 'No service of the platform can be scraped',
            description:
              "Every scrape of the platform fails (highest up = {{ $value }}): one cause for every service at once (network, security groups, the collector, or the whole platform). Each service's own alerts are muted while this fires.",
            runbook_url: `${RUNBOOKS}#alltargetsdown`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        },
        {
          // A job whose newest sample is getting old: its metrics stopped arriving (the writer died, so no staleness
          // marker); absent() sees it only once the lookback has passed (ServiceNotScraped, kept as the backstop).
          alert: 'ServiceMetricsStale',
          // Only while something else still arrives (the freshest sample is younger than this job's limit less one
          // scrape: jobs stop within one scrape of each other when their writer dies): when nothing arrives,
          // CollectorMetricsStale is the one cause, and this must not page first.
          expr: `time() - max by (job) (timestamp(${up})) > ${STALE_AFTER_SECONDS} and on () (${freshest} <= ${STALE_AFTER_SECONDS - scrapeIntervalSeconds})`,
          for: '30s',
          // Until ServiceNotScraped takes over (the lookback, then its own for).
          keep_firing_for: '5m',
          labels: { severity: 'critical', service: '{{ $labels.job }}' },
          annotations: {
            summary: 'Metrics of {{ $labels.job }} stopped arriving',
            description: `The newest \`up\` sample of {{ $labels.job }} is {{ $value | humanizeDuration }} old (limit ${STALE_AFTER_SECONDS} s): nothing scrapes it or nothing writes what is scraped.`,
            runbook_url: `${RUNBOOKS}#servicemetricsstale`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        },
        {
          // Nothing arrives at all, from the collector's self-scrape or any service: the collector is down or cannot
          // write (a write outage it buffers counts: the alerts are blind meanwhile). The one inhibit source of the
          // collector's path (inhibit_rules): a broken self-scrape alone is CollectorMetricsMissing's, and mutes nothing.
          alert: 'CollectorMetricsStale',
          expr: `${freshest} > ${STALE_AFTER_SECONDS} or on () absent(${written})`,
          for: '30s',
          labels: { severity: 'critical', service: collectorJob },
          annotations: {
            summary: 'No metrics arrive from the collector',
            description: `Nothing the collector writes has arrived for over ${STALE_AFTER_SECONDS} s (neither its own metrics nor any service's; value {{ $value | humanize }}): every collector task is down, or AMP refuses its writes. Every other alert is muted while this fires: they all read what the collector writes.`,
            runbook_url: `${RUNBOOKS}#collectormetricsstale`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        },
        {
          alert: 'CollectorMetricsMissing',
          expr: absent(collectorJob),
          for: TARGET_MISSING_FOR,
          labels: { severity: 'critical', service: collectorJob },
          annotations: {
            summary: "The collector's own metrics are missing",
            description: `There has been no \`up\` series for the collector's self-scrape (job ${collectorJob}) for ${TARGET_MISSING_FOR}: the collector is down or cannot write metrics.`,
            runbook_url: `${RUNBOOKS}#collectormetricsmissing`,
            dashboard_url: '/d/observability-stack/observability-stack',
          },
        },
      ],
    },
  ];
  return toYaml({ groups });
}

/**
 * promtool tests generated for every service of the environment (so a new
 * service cannot escape them): a crash loop (a new task every minute from
 * 5m) pages by 20m, one restart does not, and its metrics stopping pages
 * ServiceMetricsStale within 2 minutes of its last sample.
 */
export function renderTargetTests(services: readonly string[], collectorJob: string, ruleFile: string): string {
  const tests = services.flatMap((job) => {
    const task = (i: number) => `up{job="${job}", instance="10.0.${Math.floor(i / 200)}.${i % 200}:8001"}`;
    // The first task serves 5 minutes; then each task lives 45 s and the next starts 15 s after.
    const loop = [{ series: task(0), values: '1x19 stale' }];
    for (let k = 1, at = 20; k <= 30; k++, at += 4) loop.push({ series: task(k), values: `_x${at - 1} 1x2 stale` });
    const annotations = {
      summary: `${job} keeps restarting`,
      description: `${job} restarted 15 times in the window that tripped the alert (15 minutes: more than once per task plus ${EXTRA_RESTARTS}; or each 5-minute slice: at least ${PERSISTENT_RESTARTS}): it is crash-looping or its scrapes flap.`,
      runbook_url: `${RUNBOOKS}#servicecrashlooping`,
      dashboard_url: '/d/observability-stack/observability-stack',
    };
    return [
      {
        name: `crash loop of ${job}: a new task every minute`,
        interval: '15s',
        input_series: loop,
        alert_rule_test: [
          { eval_time: '5m', alertname: 'ServiceCrashLooping', exp_alerts: [] },
          {
            eval_time: '20m',
            alertname: 'ServiceCrashLooping',
            exp_alerts: [{ exp_labels: { severity: 'critical', service: job, job }, exp_annotations: annotations }],
          },
        ],
      },
      {
        name: `one restart of ${job} is not a crash loop`,
        interval: '15s',
        input_series: [
          { series: task(0), values: '1x19 stale' },
          { series: task(1), values: '_x20 1x60' },
        ],
        alert_rule_test: [{ eval_time: '15m', alertname: 'ServiceCrashLooping', exp_alerts: [] }],
      },
      {
        name: `metrics of ${job} stop arriving`,
        interval: '15s',
        // The collector's own metrics still arrive: only this job is stale.
        input_series: [
          { series: task(0), values: '1x19' },
          { series: `up{job="${collectorJob}", instance="127.0.0.1:8888"}`, values: '1x40' },
        ],
        alert_rule_test: [
          { eval_time: '5m30s', alertname: 'ServiceMetricsStale', exp_alerts: [] },
          {
            eval_time: '6m30s',
            alertname: 'ServiceMetricsStale',
            exp_alerts: [
              {
                exp_labels: { severity: 'critical', service: job, job },
                exp_annotations: {
                  summary: `Metrics of ${job} stopped arriving`,
                  description: `The newest \`up\` sample of ${job} is 1m 45s old (limit ${STALE_AFTER_SECONDS} s): nothing scrapes it or nothing writes what is scraped.`,
                  runbook_url: `${RUNBOOKS}#servicemetricsstale`,
                  dashboard_url: '/d/observability-stack/observability-stack',
                },
              },
            ],
          },
        ],
      },
    ];
  });
  return toYaml({ rule_files: [ruleFile], evaluation_interval: '30s', tests });
}
