/**
 * The floor `npm run bench -- --alert-latency` prints beside each time to
 * page: read from the model and from the alert manager definition that goes
 * into the prod template, the route picked by amtool.
 */
import * as fs from 'fs';
import { alertFloor, durationSeconds } from '../../scripts/bench/alert-latency';
import { renderedFromTemplate } from './rendered';
import { compile } from '../../lib/compile/compile';
import { baseFiles, modelOf } from '../helpers';

const model = compile(baseFiles, 'prod');
const routing = modelOf().routing;
const rendered = renderedFromTemplate();
afterAll(() => fs.rmSync(rendered.dir, { recursive: true, force: true }));

describe('time-to-page floor', () => {
  test('ServiceDown: scrape + its group interval + for + the critical route group_wait', () => {
    expect(alertFloor(model, routing, rendered.alertmanagerConfig, 'ServiceDown', { service: 'backend' })).toEqual({
      scrape: 15,
      evaluation: 30,
      recording: 0,
      for: 60,
      lookback: 0,
      staleAfter: 0,
      accumulate: 0,
      groupWait: 5,
      receiver: 'critical',
      total: 110,
    });
  });

  test('HighExecutionFailureRate also waits for the recording group whose series it reads', () => {
    const f = alertFloor(model, routing, rendered.alertmanagerConfig, 'HighExecutionFailureRate', { service: 'celery-worker' });
    expect(f).toEqual({
      scrape: 15,
      evaluation: 30,
      recording: 30,
      for: 300,
      lookback: 0,
      staleAfter: 0,
      accumulate: 0,
      groupWait: 30,
      receiver: 'warning',
      total: 405,
    });
  });

  test("CollectorMetricsMissing (absent) also waits out Prometheus' 5-minute lookback delta", () => {
    const f = alertFloor(model, routing, rendered.alertmanagerConfig, 'CollectorMetricsMissing', {});
    expect(f).toEqual({
      scrape: 15,
      evaluation: 30,
      recording: 0,
      for: 180,
      lookback: 300,
      staleAfter: 0,
      accumulate: 0,
      groupWait: 5,
      receiver: 'critical',
      total: 530,
    });
  });

  test('CollectorMetricsStale waits for its newest sample to be 60 s old, not for the lookback', () => {
    const f = alertFloor(model, routing, rendered.alertmanagerConfig, 'CollectorMetricsStale', { service: 'otel-collector' });
    expect(f).toMatchObject({ lookback: 0, staleAfter: 60, for: 30, groupWait: 5, receiver: 'critical', total: 15 + 30 + 60 + 30 + 5 });
  });

  test('fails when the alert is not in the model', () => {
    expect(() => alertFloor(model, routing, rendered.alertmanagerConfig, 'NoSuchAlert', {})).toThrow(
      'no alert rule named NoSuchAlert in the model',
    );
  });

  test('durations as Prometheus writes them; fails when the text is not one', () => {
    expect([durationSeconds('1h30m'), durationSeconds('90s'), durationSeconds('0s'), durationSeconds(undefined)]).toEqual([5400, 90, 0, 0]);
    expect(() => durationSeconds('5 minutes')).toThrow('not a Prometheus duration: "5 minutes"');
  });
});
