import { EnvironmentConfig } from '../config/environment-schema';
import { DashboardFile } from './dashboards';
import { LogQuery, loadLogQueries } from './log-queries';
import { loadCatalog, MetricCatalog } from './metric-catalog';
import { loadSlos, renderSloRules, SLO_FILE, SloSet } from './slos';
import { Anomaly, ANOMALIES_FILE, loadAnomalies, renderAnomalyRules } from './anomalies';
import { renderSloDashboard } from '../render/slo-dashboard';
import { ruleFilePaths, loadThresholds, RuleFile, Threshold, validateRuleFiles } from './rule-files';
import { dashboardPaths, validateDashboards } from './dashboards';
import { loadAmpLimits } from './amp-limits';
import { checkLeMatchers, checkSloThresholds } from './histogram-buckets';
import { renderTargetRules, TARGETS_FILE } from './targets';
import { ANOMALY_DETECTORS_FILE, renderDetectorAlerts } from './anomaly-detector-alerts';
import { Naming } from '../naming';
import { loadPrices, Prices } from '../cost/prices';
import { COLLECTOR_JOB } from '../render/collector-config';
import * as fs from 'fs';
import * as path from 'path';

/**
 * What is monitored, validated once: the environment's services, the metric
 * catalog, the rule files and the dashboards. Every renderer and construct
 * reads this, never the files.
 */
export interface ObservabilityModel {
  readonly environment: EnvironmentConfig;
  readonly catalog: MetricCatalog;
  readonly thresholds: Readonly<Record<string, Threshold>>;
  readonly ruleFiles: readonly RuleFile[];
  readonly recordingRules: ReadonlySet<string>;
  readonly dashboards: readonly DashboardFile[];
  /** Logs Insights saved queries (logs/queries.yaml). */
  readonly logQueries: readonly LogQuery[];
  /** Service level objectives (alerts/slos.yaml); rendered into the rule file "slos" and the "SLOs" dashboard. */
  readonly slos: SloSet;
  /** Anomaly detection (alerts/anomalies.yaml): z-score rules everywhere, AMP anomaly detectors on AWS. */
  readonly anomalies: readonly Anomaly[];
  /** Unit prices and usage assumptions (config/prices.yaml), checked: the cost dashboard is rendered from them. */
  readonly prices: Prices;
}

/** Where the generated SLO dashboard sits among dashboards/ (it is not a file in the repository). */
export const SLO_DASHBOARD_FILE = 'dashboards/slos.json';

export function loadModel(root: string, environment: EnvironmentConfig): ObservabilityModel {
  const catalog = loadCatalog(root);
  const thresholds = loadThresholds(root);
  const slos = loadSlos(root);
  const anomalies = loadAnomalies(root);
  const prices = loadPrices(root);
  // Before the SLO rules are rendered: a threshold off the histogram's boundaries makes an SLI that selects nothing.
  checkSloThresholds(catalog, slos);
  const read = (file: string) => ({ file, text: fs.readFileSync(path.join(root, file), 'utf8') });
  // The SLO file renders into one more rule file, validated like the others.
  const raw = [
    ...ruleFilePaths(root).map(read),
    ...(slos.slos.length > 0 ? [{ file: SLO_FILE, text: renderSloRules(slos) }] : []),
    ...(anomalies.length > 0 ? [{ file: ANOMALIES_FILE, text: renderAnomalyRules(anomalies) }] : []),
    // Missing scrape targets page, one rule per service of the environment.
    {
      file: TARGETS_FILE,
      text: renderTargetRules(
        environment.services.map((s) => s.name),
        COLLECTOR_JOB,
      ),
    },
    // AMP anomaly detectors exist on AWS only: alerts on their score there.
    ...(environment.target === 'aws' && anomalies.length > 0
      ? [{ file: ANOMALY_DETECTORS_FILE, text: renderDetectorAlerts(Naming.of(environment), anomalies) }]
      : []),
  ];
  const ruleFiles = validateRuleFiles(raw, catalog, thresholds, loadAmpLimits(root));
  const recordingRules = new Set(ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
  const dashboards = validateDashboards(
    [...dashboardPaths(root).map(read), ...(slos.slos.length > 0 ? [{ file: SLO_DASHBOARD_FILE, text: renderSloDashboard(slos) }] : [])],
    catalog,
    recordingRules,
  );
  checkLeMatchers(catalog, ruleFiles, dashboards);
  return {
    environment,
    catalog,
    thresholds,
    ruleFiles,
    recordingRules,
    dashboards,
    logQueries: loadLogQueries(root),
    slos,
    anomalies,
    prices,
  };
}
