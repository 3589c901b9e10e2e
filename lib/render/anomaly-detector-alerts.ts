import { toYaml } from '../yaml-text';
import { pascalCase } from './pascal-case';
import { Naming } from '../naming';

/**
 * Alerts on the output of AMP's anomaly detectors (AWS only: the local stack
 * has no detector). Kept apart from the z-score rules of lib/render/anomaly-rules.ts.
 * Each alert reads its detector's score by alias, over a window that holds at
 * least one evaluation, as AWS's own sample does, and sets its labels itself.
 * @see test/contracts/amp.ts ANOMALY_DETECTOR_SERIES
 */
export const ANOMALY_DETECTORS_FILE = 'alerts/anomaly-detectors.yaml';

/** The window the score's maximum is taken over (the sample's [2m]: at least one detector evaluation). */
const SCORE_WINDOW = '2m';

export interface DetectorAlertInput {
  readonly name: string;
  readonly service: string;
  readonly description: string;
}

/** The alias of an anomaly's AMP detector (AWS::APS::AnomalyDetector Alias, at most 64 characters). */
export const anomalyDetectorAlias = (naming: Naming, anomalyName: string): string => naming.name(anomalyName).slice(0, 64);

const detectorAlertName = (anomalyName: string) => `${pascalCase(anomalyName)}AnomalyScoreHigh`;

/**
 * The rule file: one alert per detector. `${threshold.anomaly_detector_score}`
 * is filled from alerts/thresholds.yaml like any hand-written rule file.
 */
export function renderDetectorAlerts(naming: Naming, anomalies: readonly DetectorAlertInput[]): string {
  const RUNBOOK = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md#anomalydetectorscorehigh';
  const rules = anomalies.map((a) => {
    const alias = anomalyDetectorAlias(naming, a.name);
    return {
      alert: detectorAlertName(a.name),
      expr: `max_over_time(anomaly_detector:score{alias="${alias}"}[${SCORE_WINDOW}]) > \${threshold.anomaly_detector_score}`,
      labels: { severity: 'warning', service: a.service, anomaly: a.name },
      annotations: {
        summary: `AMP's anomaly detector flags ${a.description.toLowerCase()}`,
        description: `The Random Cut Forest score of detector ${alias} peaked at {{ $value | printf "%.2f" }} in the last ${SCORE_WINDOW} (threshold \${threshold.anomaly_detector_score}).`,
        runbook_url: RUNBOOK,
        dashboard_url: '/d/trading-platform-overview/trading-platform-overview',
      },
    };
  });
  return toYaml({ groups: [{ name: 'anomaly_detectors', interval: '30s', rules }] });
}
