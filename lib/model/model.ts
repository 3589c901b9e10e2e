import { EnvironmentConfig } from '../config/environment-schema';
import { AmpLimits } from './amp-limits';
import { Anomaly } from './anomalies';
import { DashboardFile } from './dashboards';
import { Analytics } from './analytics';
import { LogAlert } from './log-alerts';
import { LogQueries } from './log-queries';
import { MetricCatalog } from './metric-catalog';
import { Prices } from './prices';
import { Routing } from './routing';
import { ScalingSignal } from './scaling';
import { RuleFile, Threshold } from './rule-files';
import { SloSet } from './slos';

/**
 * What is monitored, validated once: the environment's services, the metric
 * catalog, the rule files, the routing tree and the dashboards. Built by
 * `compile(files, env)` (lib/compile); every renderer and construct reads
 * this, never the files.
 */
export interface ObservabilityModel {
  readonly environment: EnvironmentConfig;
  readonly catalog: MetricCatalog;
  readonly thresholds: Readonly<Record<string, Threshold>>;
  readonly ruleFiles: readonly RuleFile[];
  readonly recordingRules: ReadonlySet<string>;
  readonly dashboards: readonly DashboardFile[];
  /** The fields the services log and the saved queries, each in Logs Insights and LogQL (logs/queries.yaml). */
  readonly logQueries: LogQueries;
  /** Log-based alerts (alerts/logs.yaml): CloudWatch alarms on AWS, Loki ruler rules locally. */
  readonly logAlerts: readonly LogAlert[];
  /** User behaviour analytics from the logs (logs/analytics.yaml); absent: no "User behaviour" dashboard. */
  readonly analytics?: Analytics;
  /** Service level objectives (alerts/slos.yaml); rendered into the rule file "slos" and the "SLOs" dashboard. */
  readonly slos: SloSet;
  /** Anomaly detection (alerts/anomalies.yaml): z-score rules everywhere, AMP anomaly detectors on AWS. */
  readonly anomalies: readonly Anomaly[];
  /** Unit prices and usage assumptions (config/prices.yaml), checked: the cost dashboard is rendered from them. */
  readonly prices: Prices;
  /** AMP's quotas and limits (config/limits.yaml): the rule checks and the quota alarms read them. */
  readonly ampLimits: AmpLimits;
  /** The routing tree (alerts/alertmanager.yaml) and its notification templates, shared by AMP and local Alertmanager. */
  readonly routing: Routing;
  /** Platform services scaled on catalog metrics (config/environments.yaml `scaling`), checked against the catalog. */
  readonly scaling: readonly ScalingSignal[];
  /** What AMG imports and local Grafana provisions: `dashboards` and the generated cost dashboard. */
  readonly publishedDashboards: readonly DashboardFile[];
}

/** Where the generated SLO dashboard sits among dashboards/ (it is not a file in the repository). */
export const SLO_DASHBOARD_FILE = 'dashboards/slos.json';
