import { toYaml } from '../yaml-text';
import { pascalCase } from './pascal-case';
import { Anomaly } from '../model/anomalies';

const anomalyAlertName = (a: Pick<Anomaly, 'name'>) => `${pascalCase(a.name)}Anomalous`;

/**
 * How far back the baseline ends: the last hour is left out of the mean and
 * deviation, so an anomaly that has lasted up to an hour is measured against
 * what came before it instead of against itself.
 */
const BASELINE_OFFSET = '1h';

/**
 * The z-score rules of the anomalies (a Prometheus rule file, as text):
 * - the query recorded, NaN and infinities dropped (`> -Inf < +Inf`): a
 *   quantile over no events is NaN, and one NaN in the window would make the
 *   mean and deviation NaN for the whole window;
 * - its mean and standard deviation over the window, ending BASELINE_OFFSET ago;
 * - the z-score, and an alert when it is beyond the threshold AND the change
 *   exceeds minRelativeChange of the baseline and minAbsoluteChange.
 * Seasonality is not modelled: the window (1d) spans a whole daily cycle, so
 * the daily swing widens the deviation and a daily peak is not an anomaly by
 * itself; on AWS, AMP's Random Cut Forest detector on the same query learns
 * the shape of the series.
 */
export function renderAnomalyRules(anomalies: readonly Anomaly[]): string {
  const RUNBOOK = 'https://github.com/trading-platform/trading-observability/blob/main/docs/runbooks.md#anomalydetected';
  const groups = anomalies.map((a) => {
    const id = a.name.replace(/-/g, '_');
    const value = `anomaly:${id}:value`;
    const mean = `anomaly:${id}:avg${a.window}`;
    const dev = `anomaly:${id}:stddev${a.window}`;
    const z = `anomaly:${id}:zscore${a.window}`;
    const labels = { anomaly: a.name, service: a.service };
    const change = `abs(${value} - ${mean})`;
    return {
      name: `anomaly_${id}`,
      interval: '30s',
      rules: [
        { record: value, expr: `(${a.query}) > -Inf < +Inf`, labels },
        { record: mean, expr: `avg_over_time(${value}[${a.window}] offset ${BASELINE_OFFSET})`, labels },
        { record: dev, expr: `stddev_over_time(${value}[${a.window}] offset ${BASELINE_OFFSET})`, labels },
        // A flat baseline (deviation 0) gives an infinite z-score: the change guards below decide.
        { record: z, expr: `(${value} - ${mean}) / ${dev}`, labels },
        {
          alert: anomalyAlertName(a),
          expr: `abs(${z}) > ${a.zScoreThreshold} and ${change} > ${a.minRelativeChange} * abs(${mean}) and ${change} > ${a.minAbsoluteChange}`,
          for: '10m',
          labels: { severity: 'warning', service: a.service, anomaly: a.name },
          annotations: {
            summary: `${a.description} is unusual`,
            description: `${a.description} is {{ $value | printf "%.1f" }} standard deviations from its ${a.window} mean before the last ${BASELINE_OFFSET} (threshold ${a.zScoreThreshold}, and a change over ${a.minRelativeChange * 100} %).`,
            runbook_url: RUNBOOK,
            dashboard_url: '/d/trading-platform-overview/trading-platform-overview',
          },
        },
      ],
    };
  });
  return toYaml({ groups });
}
