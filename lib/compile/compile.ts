import { EnvironmentConfig } from '../config/environment-schema';
import { ENVIRONMENTS_FILE, parseEnvironment } from '../config/parse-environment';
import { Naming } from '../naming';
import { LIMITS_FILE, parseAmpLimits } from '../model/amp-limits';
import { ANOMALIES_FILE, parseAnomalies } from '../model/anomalies';
import { checkGeneratedFree, dashboardPaths, validateDashboards } from '../model/dashboards';
import { checkLeMatchers, checkSloThresholds } from '../model/histogram-buckets';
import { ANALYTICS_FILE, parseAnalytics } from '../model/analytics';
import { generatedLogDashboard } from '../model/dashboards';
import { LOG_ALERTS_FILE, parseLogAlerts } from '../model/log-alerts';
import { LOG_QUERIES_FILE, parseLogQueries } from '../model/log-queries';
import { CATALOG_FILE, parseCatalog } from '../model/metric-catalog';
import { ObservabilityModel, SLO_DASHBOARD_FILE } from '../model/model';
import { parsePrices, PRICES_FILE } from '../model/prices';
import { ProjectFiles, requiredText } from '../model/project-files';
import { parseRouting } from '../model/routing';
import { scalingNamespace, scalingSignals } from '../model/scaling';
import { parseThresholds, ruleFilePaths, THRESHOLDS_FILE, validateRuleFiles } from '../model/rule-files';
import { NO_SLOS, parseSlos, SLO_FILE } from '../model/slos';
import { ANOMALY_DETECTORS_FILE, renderDetectorAlerts } from '../render/anomaly-detector-alerts';
import { renderAnomalyRules } from '../render/anomaly-rules';
import { COLLECTOR_JOB } from '../render/collector-image';
import { costDashboard } from '../render/cost-dashboard';
import {
  LOG_QUERIES_DASHBOARD_FILE,
  renderLogQueriesDashboard,
  renderUserBehaviourDashboard,
  USER_BEHAVIOUR_DASHBOARD_FILE,
} from '../render/log-dashboards';
import { alertInputs, INPUTS_FILE, renderInputRules } from '../render/input-rules';
import { renderScalingDashboard, SCALING_DASHBOARD_FILE } from '../render/scaling-dashboard';
import { renderSloDashboard } from '../render/slo-dashboard';
import { renderSloRules } from '../render/slo-rules';
import { renderTargetRules, TARGETS_FILE } from '../render/target-rules';

const RESTORE = 'restore it from the repository';

/**
 * The whole model of the project for one environment, from the data files'
 * texts: parses each file (lib/model), renders what the model implies
 * (lib/render: SLO, anomaly, missing-target and missing-input rules, AMP
 * detector alerts, the SLO and cost dashboards) and validates the generated
 * with the hand-written, so a generated rule is held to the same checks.
 * Built once; the stack, the local bundle and the scripts all take it.
 * Reads no file: `readProject(root)` (lib/io) reads them at the edge.
 *
 * @param environment the environment's name in config/environments.yaml, or its settings as validated
 */
export function compile(files: ProjectFiles, environment: string | EnvironmentConfig): ObservabilityModel {
  const env =
    typeof environment === 'string' ? parseEnvironment(environment, requiredText(files, ENVIRONMENTS_FILE, RESTORE)) : environment;
  const optional = <T>(file: string, parse: (file: string, text: string) => T, absent: T): T =>
    files[file] === undefined ? absent : parse(file, files[file]);
  const catalog = parseCatalog(CATALOG_FILE, requiredText(files, CATALOG_FILE, RESTORE));
  const thresholds = optional(THRESHOLDS_FILE, parseThresholds, {});
  const slos = optional(SLO_FILE, parseSlos, NO_SLOS);
  const anomalies = optional(ANOMALIES_FILE, parseAnomalies, []);
  const prices = parsePrices(
    PRICES_FILE,
    requiredText(files, PRICES_FILE, `${RESTORE} (the cost estimate and the cost dashboard read it)`),
  );
  const ampLimits = parseAmpLimits(LIMITS_FILE, requiredText(files, LIMITS_FILE, RESTORE));
  const routing = parseRouting(files, ampLimits);
  // Before the SLO rules are rendered: a threshold off the histogram's boundaries makes an SLI that selects nothing.
  checkSloThresholds(catalog, slos);
  const raw = [
    ...ruleFilePaths(files).map((file) => ({ file, text: files[file] })),
    // The SLO file renders into one more rule file, validated like the others.
    ...(slos.slos.length > 0 ? [{ file: SLO_FILE, text: renderSloRules(slos) }] : []),
    ...(anomalies.length > 0 ? [{ file: ANOMALIES_FILE, text: renderAnomalyRules(anomalies) }] : []),
    // Missing scrape targets page, one rule per service of the environment.
    {
      file: TARGETS_FILE,
      text: renderTargetRules(
        env.services.map((s) => s.name),
        COLLECTOR_JOB,
        env.scrapeIntervalSeconds,
      ),
    },
    // AMP anomaly detectors exist on AWS only: alerts on their score there.
    ...(env.target === 'aws' && anomalies.length > 0
      ? [{ file: ANOMALY_DETECTORS_FILE, text: renderDetectorAlerts(Naming.of(env), anomalies) }]
      : []),
  ];
  // Every input an alert cannot see without gets its "can't see" alert, generated from the alerts as validated.
  const validated = validateRuleFiles(raw, catalog, thresholds, ampLimits);
  const inputRules = renderInputRules(alertInputs(validated, catalog));
  const ruleFiles = inputRules
    ? validateRuleFiles([{ file: INPUTS_FILE, text: inputRules }], catalog, thresholds, ampLimits, validated)
    : validated;
  const recordingRules = new Set(ruleFiles.flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
  const scaling = scalingSignals(env, catalog);
  const naming = Naming.of(env);
  const scalingDashboard = renderScalingDashboard({
    target: env.target,
    signals: scaling,
    collector: env.collector.autoScaling && {
      // The names CollectorService gives them (test/stacks/scaling.test.ts holds the two together).
      cluster: env.collector.clusterName ?? naming.name('collector'),
      service: naming.name(COLLECTOR_JOB),
      cpuTargetPercent: env.collector.autoScaling.cpuTargetPercent,
      queueNamespace: scalingNamespace(naming),
    },
  });
  const dashboards = validateDashboards(
    [
      ...dashboardPaths(files).map((file) => ({ file, text: files[file] })),
      ...(slos.slos.length > 0 ? [{ file: SLO_DASHBOARD_FILE, text: renderSloDashboard(slos) }] : []),
      ...(scalingDashboard ? [{ file: SCALING_DASHBOARD_FILE, text: scalingDashboard }] : []),
    ],
    catalog,
    recordingRules,
  );
  checkLeMatchers(catalog, ruleFiles, dashboards);
  // Required: without it, a deploy would delete every saved query.
  const logQueries = parseLogQueries(LOG_QUERIES_FILE, requiredText(files, LOG_QUERIES_FILE, RESTORE));
  const services = env.services.map((s) => s.name);
  const platform = new Set(catalog.metrics.flatMap((m) => m.services));
  const logAlerts = optional(LOG_ALERTS_FILE, (f, t) => parseLogAlerts(f, t, logQueries.fields, services, platform), []);
  const analytics = optional(ANALYTICS_FILE, (f, t) => parseAnalytics(f, t, logQueries.fields), undefined);
  const logInput = { target: env.target, services, logGroupName: (s: string) => naming.path(s), logQueries, analytics };
  const logDashboards = [
    generatedLogDashboard(LOG_QUERIES_DASHBOARD_FILE, renderLogQueriesDashboard(logInput)),
    ...(analytics ? [generatedLogDashboard(USER_BEHAVIOUR_DASHBOARD_FILE, renderUserBehaviourDashboard({ ...logInput, analytics }))] : []),
  ];
  const model = {
    environment: env,
    catalog,
    thresholds,
    ruleFiles,
    recordingRules,
    dashboards,
    logQueries,
    logAlerts,
    analytics,
    slos,
    anomalies,
    prices,
    ampLimits,
    routing,
    scaling,
  };
  const generated = [costDashboard(model), ...logDashboards];
  // The cost dashboard is checked where it is made (costDashboard).
  for (const g of generated.slice(1)) checkGeneratedFree(g, dashboards);
  return { ...model, publishedDashboards: [...dashboards, ...generated] };
}
