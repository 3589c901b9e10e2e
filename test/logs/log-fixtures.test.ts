/**
 * The same fixture lines, in the seed's structlog format, through both forms
 * of every log alert: the CloudWatch filter pattern (evaluated with the JSON
 * pattern semantics of test/contracts/cloudwatch-logs.ts FILTER_PATTERN_SYNTAX)
 * and the LogQL (its stream selector, `| json` and label filters evaluated as
 * LogQL defines them). Both must count the same lines per service, and the
 * alert must fire exactly where the fixtures say. Neither engine runs here:
 * these evaluators cover only the pattern and query shapes the alerts render
 * (a real Loki cannot run on this machine, see docs/logs.md).
 */
import { LogAlert, logAlertFilterPattern, logAlertLogql, parseLogAlerts } from '../../lib/model/log-alerts';
import { parseLogQueries } from '../../lib/model/log-queries';
import { baseFiles } from '../helpers';

const SERVICES = ['backend', 'celery-worker', 'signal-generator', 'trigger-dispatcher'];
const fields = parseLogQueries('logs/queries.yaml', baseFiles['logs/queries.yaml']).fields;
const alerts = parseLogAlerts('alerts/logs.yaml', baseFiles['alerts/logs.yaml'], fields, SERVICES);

interface Line {
  readonly service: string;
  /** Seconds into the fixture. */
  readonly at: number;
  readonly text: string;
}

const line = (service: string, at: number, fields: Record<string, string>): Line => ({
  service,
  at,
  text: JSON.stringify({ ...fields, timestamp: new Date(Date.UTC(2026, 11, 7, 12, 0, at)).toISOString() }),
});
const ev = (service: string, at: number, event: string, level = 'info', more: Record<string, string> = {}) =>
  line(service, at, { event, level, user_id: 'u-3f9a', pipeline_id: 'p-1', mode: 'paper', ...more });

/** Five minutes of the platform's logs: a burst of failures in the worker, one critical line, and the API's errors. */
const FIXTURE: readonly Line[] = [
  ev('backend', 1, 'pipeline_created'),
  ev('celery-worker', 5, 'pipeline_execution_started'),
  ev('celery-worker', 20, 'pipeline_execution_failed', 'error'),
  ev('celery-worker', 40, 'pipeline_execution_failed', 'error'),
  ev('celery-worker', 70, 'pipeline_execution_failed', 'error'),
  // The same event name from another service does not count for the worker's alert.
  ev('backend', 75, 'pipeline_execution_failed', 'error'),
  ev('signal-generator', 90, 'market_data_gap', 'critical'),
  ...Array.from({ length: 9 }, (_, i) => ev('backend', 100 + i, 'request_failed', 'error')),
  // A warning of the same event is not a user-visible error.
  ev('backend', 120, 'request_failed', 'warning'),
  { service: 'backend', at: 130, text: 'Traceback (most recent call last): not JSON' },
  ev('trigger-dispatcher', 200, 'trigger_dispatched'),
];

/** CloudWatch Logs' JSON filter pattern over one event: the `{ ($.f = "v") && ((…) || (…)) }` shapes we render. */
function cloudWatchMatches(pattern: string, text: string): boolean {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return false; // not JSON: a JSON pattern never matches
  }
  const src = pattern
    .trim()
    .replace(/^\{\s*/, '')
    .replace(/\s*\}$/, '');
  let i = 0;
  const skip = () => {
    while (src[i] === ' ') i++;
  };
  const or = (): boolean => {
    let v = and();
    skip();
    while (src.startsWith('||', i)) {
      i += 2;
      v = and() || v;
      skip();
    }
    return v;
  };
  const and = (): boolean => {
    let v = atom();
    skip();
    while (src.startsWith('&&', i)) {
      i += 2;
      v = atom() && v;
      skip();
    }
    return v;
  };
  const atom = (): boolean => {
    skip();
    if (src[i] === '(') {
      i++;
      const v = or();
      skip();
      if (src[i++] !== ')') throw new Error(`unbalanced pattern: ${pattern}`);
      return v;
    }
    const m = /^\$\.([A-Za-z_][\w.]*)\s*=\s*("(?:\\.|[^"\\])*")/.exec(src.slice(i));
    if (!m) throw new Error(`a term this evaluator does not know in ${pattern} at ${i}`);
    i += m[0].length;
    return event[m[1]] === JSON.parse(m[2]);
  };
  const v = or();
  skip();
  if (i !== src.length) throw new Error(`trailing text in ${pattern}`);
  return v;
}

/** Our alerts' LogQL over the lines of a window: selector, `| json`, `=`/`=~` filters, count per service, threshold. */
function logqlFires(query: string, lines: readonly Line[]): Record<string, number> {
  const m =
    /^sum by \(service_name\) \(count_over_time\(\{service_name=~"([^"]*)"\} \| json((?: \| [a-z_]+=~?"[^"]*")*) \[(\d+)m\]\)\) >= (\d+)$/.exec(
      query,
    );
  if (!m) throw new Error(`a query shape this evaluator does not know: ${query}`);
  const anchored = (re: string) => new RegExp(`^(?:${re})$`);
  const services = anchored(JSON.parse(`"${m[1]}"`) as string);
  const filters = [...m[2].matchAll(/ \| ([a-z_]+)(=~?)("[^"]*")/g)].map(([, f, op, v]) => ({
    f,
    re: op === '=~',
    v: JSON.parse(v) as string,
  }));
  const counts: Record<string, number> = {};
  for (const l of lines) {
    if (!services.test(l.service)) continue;
    let labels: Record<string, unknown>;
    try {
      labels = JSON.parse(l.text) as Record<string, unknown>;
    } catch {
      continue; // | json leaves __error__ set; a label filter on a field it lacks drops the line
    }
    if (!filters.every(({ f, re, v }) => (re ? anchored(v).test(String(labels[f] ?? '')) : String(labels[f] ?? '') === v))) continue;
    counts[l.service] = (counts[l.service] ?? 0) + 1;
  }
  const threshold = Number(m[4]);
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n >= threshold));
}

/** Per service, the lines a window's filter pattern counts, and whether the alarm (>= threshold) fires. */
function cloudWatchFires(a: LogAlert, lines: readonly Line[]): Record<string, number> {
  const pattern = logAlertFilterPattern(a);
  const counts: Record<string, number> = {};
  for (const l of lines)
    if (a.services.includes(l.service) && cloudWatchMatches(pattern, l.text)) counts[l.service] = (counts[l.service] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n >= a.threshold));
}

const within = (a: LogAlert, from: number) => FIXTURE.filter((l) => l.at >= from && l.at < from + a.windowMinutes * 60);

describe('the fixture lines through both forms of each log alert', () => {
  test.each(alerts.map((a) => [a.name, a] as const))('%s: CloudWatch and Loki fire for the same services', (_name, a) => {
    expect(cloudWatchFires(a, within(a, 0))).toEqual(logqlFires(logAlertLogql(a), within(a, 0)));
  });

  test('they fire where the fixtures say, and nowhere else', () => {
    const fired = Object.fromEntries(alerts.map((a) => [a.name, cloudWatchFires(a, within(a, 0))]));
    expect(fired).toEqual({
      // Three failures of the worker in 5 minutes; the backend's one is not the worker's.
      PipelineExecutionFailures: { 'celery-worker': 3 },
      // The critical line is at 90 s: outside the first 1-minute window; the second one holds it (below).
      CriticalLogEvent: {},
      // Nine errors, one warning: below 10.
      UserVisibleErrors: {},
    });
    const critical = alerts.find((a) => a.name === 'CriticalLogEvent')!;
    expect(cloudWatchFires(critical, within(critical, 60))).toEqual({ 'signal-generator': 1 });
    expect(logqlFires(logAlertLogql(critical), within(critical, 60))).toEqual({ 'signal-generator': 1 });
  });

  test('one more user-visible error reaches the threshold in both forms', () => {
    const a = alerts.find((x) => x.name === 'UserVisibleErrors')!;
    const lines = [...within(a, 0), ev('backend', 150, 'request_failed', 'error')];
    expect(cloudWatchFires(a, lines)).toEqual({ backend: 10 });
    expect(logqlFires(logAlertLogql(a), lines)).toEqual({ backend: 10 });
  });
});
