import { toYaml } from '../yaml-text';

/** Where the generated target rules sit among alerts/ (not a file in the repository; its tests are alerts/tests/targets.yaml). */
export const TARGETS_FILE = 'alerts/targets.yaml';

/** How long a job may have no `up` series before it pages: a few scrape intervals and a collector restart. */
const TARGET_MISSING_FOR = '3m';

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
export function renderTargetRules(services: readonly string[], collectorJob: string): string {
  const absent = (job: string) => `absent(up{job=${JSON.stringify(job)}})`;
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
