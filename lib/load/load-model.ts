import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-schema';
import { Naming } from '../naming';
import { loadAmpLimits } from '../model/amp-limits';
import { ANOMALIES_FILE, loadAnomalies } from '../model/anomalies';
import { dashboardPaths, validateDashboards } from '../model/dashboards';
import { checkLeMatchers, checkSloThresholds } from '../model/histogram-buckets';
import { loadLogQueries } from '../model/log-queries';
import { loadCatalog } from '../model/metric-catalog';
import { ObservabilityModel, SLO_DASHBOARD_FILE } from '../model/model';
import { loadPrices } from '../model/prices';
import { loadThresholds, ruleFilePaths, validateRuleFiles } from '../model/rule-files';
import { loadSlos, SLO_FILE } from '../model/slos';
import { ANOMALY_DETECTORS_FILE, renderDetectorAlerts } from '../render/anomaly-detector-alerts';
import { renderAnomalyRules } from '../render/anomaly-rules';
import { COLLECTOR_JOB } from '../render/collector-image';
import { renderSloDashboard } from '../render/slo-dashboard';
import { renderSloRules } from '../render/slo-rules';
import { alertInputs, INPUTS_FILE, renderInputRules } from '../render/input-rules';
import { renderTargetRules, TARGETS_FILE } from '../render/target-rules';

/**
 * The model of the repository for one environment: reads the data files
 * (through the loaders of lib/model), renders the rule files and the
 * dashboard the model implies (lib/render: SLO, anomaly and missing-target
 * rules, AMP detector alerts, the SLO dashboard) and validates them together
 * with the hand-written ones, so a generated rule is held to the same checks.
 * This is the layer above lib/render: the model itself never renders.
 */
export function loadModel(root: string, environment: EnvironmentConfig): ObservabilityModel {
  const catalog = loadCatalog(root);
  const thresholds = loadThresholds(root);
  const slos = loadSlos(root);
  const anomalies = loadAnomalies(root);
  const prices = loadPrices(root);
  const ampLimits = loadAmpLimits(root);
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
        environment.scrapeIntervalSeconds,
      ),
    },
    // AMP anomaly detectors exist on AWS only: alerts on their score there.
    ...(environment.target === 'aws' && anomalies.length > 0
      ? [{ file: ANOMALY_DETECTORS_FILE, text: renderDetectorAlerts(Naming.of(environment), anomalies) }]
      : []),
  ];
  // Every input an alert cannot see without gets its "can't see" alert, generated from the alerts as validated.
  const inputRules = renderInputRules(alertInputs(validateRuleFiles(raw, catalog, thresholds, ampLimits), catalog));
  const ruleFiles = validateRuleFiles(
    [...raw, ...(inputRules ? [{ file: INPUTS_FILE, text: inputRules }] : [])],
    catalog,
    thresholds,
    ampLimits,
  );
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
    ampLimits,
  };
}
