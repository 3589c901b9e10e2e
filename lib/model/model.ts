import { EnvironmentConfig } from '../config/environment-schema';
import { DashboardFile, loadDashboards } from './dashboards';
import { LogQuery, loadLogQueries } from './log-queries';
import { loadCatalog, MetricCatalog } from './metric-catalog';
import { loadRuleFiles, loadThresholds, RuleFile, Threshold } from './rule-files';

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
}

export function loadModel(root: string, environment: EnvironmentConfig): ObservabilityModel {
  const catalog = loadCatalog(root);
  const thresholds = loadThresholds(root);
  const ruleFiles = loadRuleFiles(root, catalog, thresholds);
  const recordingRules = new Set(ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
  const dashboards = loadDashboards(root, catalog, recordingRules);
  return { environment, catalog, thresholds, ruleFiles, recordingRules, dashboards, logQueries: loadLogQueries(root) };
}
