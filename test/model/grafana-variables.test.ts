import * as fs from 'fs';
import * as path from 'path';
import { validateDashboards } from '../../lib/model/dashboards';
import { expandQuery, interpolate, toVariables, type RawVariable, type Selection } from '../../lib/model/grafana-variables';
import { parsePromql } from '../../lib/model/promql';
import { inputErrorOf, modelOf } from '../helpers';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/community-dashboards', name), 'utf8');
const one = (text: string, list: RawVariable[], pick: Record<string, Selection>) =>
  interpolate(text, toVariables(list), new Map(Object.entries(pick)));
const value = (v: string): Selection => ({ kind: 'value', value: v, text: v });
const multi = (...values: string[]): Selection => ({ kind: 'multi', values, texts: values, all: false });

describe('Grafana variable interpolation (grafana-variables.ts)', () => {
  test('$var, ${var}, [[var]] and ${var:format} are substituted; undefined names stay as written', () => {
    const list = [{ name: 'fn', type: 'custom', query: 'rate' }];
    expect(one('$fn(x) ${fn}(x) [[fn]](x) ${fn:raw}(x) $other', list, { fn: value('rate') })).toBe(
      'rate(x) rate(x) rate(x) rate(x) $other',
    );
  });

  test('without a format, the Prometheus data source escapes: regular for single-value, regex (a|b) for multi / include-all', () => {
    const single = [{ name: 'v', type: 'custom', query: 'a.b' }];
    expect(one('{x="$v"}', single, { v: value("a'b") })).toBe(`{x="a\\\\'b"}`);
    const m = [{ name: 'v', type: 'custom', query: 'a.b,c', multi: true }];
    expect(one('{x=~"$v"}', m, { v: multi('a.b', 'c') })).toBe('{x=~"(a\\\\.b|c)"}');
    expect(one('{x=~"$v"}', m, { v: multi('a.b') })).toBe('{x=~"a\\\\.b"}');
  });

  test('formats: regex, pipe, csv, raw, glob, text, and :value falls back to glob', () => {
    const list = [{ name: 'v', type: 'custom', query: 'A : a, B : b', multi: true }];
    const ab: Selection = { kind: 'multi', values: ['a', 'b'], texts: ['A', 'B'], all: false };
    expect(one('${v:regex}|${v:pipe}|${v:csv}|${v:raw}|${v:glob}|${v:text}|${v:value}', list, { v: ab })).toBe(
      '(a|b)|a|b|a,b|a,b|{a,b}|A + B|{a,b}',
    );
    expect(one('${v:value}', list, { v: multi('a') })).toBe('a');
  });

  test('All: the custom all value as is (never escaped), else every option', () => {
    const list: RawVariable[] = [{ name: 'v', type: 'custom', query: 'a,b', includeAll: true, allValue: '.*' }];
    const vars = toVariables(list).get('v')!;
    expect(vars.selections).toEqual([value('a'), value('b'), { kind: 'custom-all', value: '.*' }]);
    expect(one('{x=~"$v"}', list, { v: { kind: 'custom-all', value: '.*' } })).toBe('{x=~".*"}');
    const noAll = toVariables([{ name: 'v', type: 'custom', query: 'a,b', includeAll: true }]).get('v')!;
    expect(noAll.selections.at(-1)).toEqual({ kind: 'multi', values: ['a', 'b'], texts: ['a', 'b'], all: true });
  });

  test('a custom query of "text : value" pairs with an escaped comma, and an empty value', () => {
    const v = toVariables([{ name: 'g', type: 'custom', query: 'None :  , By transport : \\,transport' }]).get('g')!;
    expect(v.selections).toEqual([
      { kind: 'value', value: '', text: 'None' },
      { kind: 'value', value: ',transport', text: 'By transport' },
    ]);
  });

  test('query, constant, interval and datasource variables', () => {
    const vars = toVariables([
      { name: 'q', type: 'query', query: 'label_values(up, job)' },
      { name: 'c', type: 'constant', query: 'backend' },
      { name: 'i', type: 'interval', query: '1m,5m' },
    ]);
    const [e] = expandQuery('rate(x_total{job="$q", svc="$c"}[$i]) by ($q)', vars);
    expect(e.text).toBe('rate(x_total{job="grafana_query_variable_q", svc="backend"}[1m]) by (grafana_query_variable_q)');
    expect(expandQuery('x[$i]', vars).map((x) => x.text)).toEqual(['x[1m]', 'x[5m]']);
  });

  test('the cartesian product of the variables a query uses, capped at 64 with every value still tried', () => {
    const many = (name: string, n: number): RawVariable => ({
      name,
      type: 'custom',
      query: Array.from({ length: n }, (_, i) => `${name}${i}`).join(','),
    });
    const vars = toVariables([many('a', 3), many('b', 2), many('c', 20), many('d', 5)]);
    expect(expandQuery('$a $b', vars)).toHaveLength(6);
    const capped = expandQuery('$a $b $c $d', vars);
    expect(capped).toHaveLength(20);
    expect(new Set(capped.map((e) => e.text.split(' ')[3]))).toEqual(new Set(['d0', 'd1', 'd2', 'd3', 'd4']));
  });

  test('the OpenTelemetry Collector dashboard: every query, for every value of $metric and $grouping, is valid PromQL', () => {
    const json = JSON.parse(fixture('otel-collector-monitoringartist.json'));
    const vars = toVariables(json.templating.list);
    const exprs: string[] = JSON.stringify(json.panels)
      .match(/"expr":"((?:[^"\\]|\\.)*)"/g)!
      .map((m) => JSON.parse(m.slice(7)) as string);
    expect(exprs.length).toBe(52);
    const texts = exprs.flatMap((e) => expandQuery(e, vars).map((x) => x.text));
    expect(texts.filter((t) => !parsePromql(t, { grafana: true }).ok)).toEqual([]);
    expect(texts).toContain(
      'sum(increase(otelcol_exporter_sent_spans_total{exporter=~".*",job="grafana_query_variable_job"}[5m])) by (exporter ,transport)',
    );
  });
});

describe('dashboards with variables (validateDashboards)', () => {
  const catalog = modelOf().catalog;
  const dashboard = (expr: string, list: RawVariable[]) =>
    JSON.stringify({
      uid: 'v',
      title: 'V',
      templating: { list },
      panels: [{ id: 1, title: 'P', type: 'timeseries', fieldConfig: { defaults: { unit: 'ops' } }, targets: [{ expr }] }],
    });
  const lint = (expr: string, list: RawVariable[]) =>
    inputErrorOf(() => validateDashboards([{ file: 'dashboards/v.json', text: dashboard(expr, list) }], catalog, new Set()));
  const fn: RawVariable = { name: 'metric', type: 'custom', query: 'Rate : rate, Count : increase' };
  const suffix: RawVariable = { name: 'suffix', type: 'custom', query: 'metric_points,spans' };

  test('a custom variable standing for the function and part of the metric name passes when every value is valid', () => {
    const ok = { name: 'suffix', type: 'custom', query: 'accepted,refused' };
    const [d] = validateDashboards(
      [
        {
          file: 'dashboards/v.json',
          text: dashboard('sum(${metric:value}(otelcol_receiver_${suffix}_metric_points_total[$__rate_interval]))', [fn, ok]),
        },
      ],
      catalog,
      new Set(),
    );
    expect(d.uid).toBe('v');
  });

  test('fails when a value of a custom variable makes the query invalid, naming the variable and the value', () => {
    const bad = { ...fn, query: 'Rate : rate, Oops : rate(' };
    expect(lint('sum(${metric:value}(otelcol_exporter_sent_metric_points_total[$__rate_interval]))', [bad])).toContain(
      'dashboards/v.json: panel "P" (id 1): has a query that is not valid PromQL when $metric = "rate(", near position',
    );
  });

  test('fails when a value of a custom variable names a metric the catalog lacks, naming the variable and the value', () => {
    expect(lint('sum(${metric:value}(otelcol_exporter_sent_${suffix}_total[$__rate_interval]))', [fn, suffix])).toContain(
      'query 1 metric(s) that are neither in the catalog nor recording rules: otelcol_exporter_sent_spans_total (panel "P" (id 1) when $suffix = "spans")',
    );
  });

  test('fails when a value of a custom variable shows a counter raw, naming the variable and the value', () => {
    const f = { ...fn, query: 'rate, max_over_time' };
    expect(lint('sum(${metric}(otelcol_exporter_sent_metric_points_total[5m]))', [f])).toContain(
      'shows the counter otelcol_exporter_sent_metric_points_total raw when $metric = "max_over_time"',
    );
  });

  test('fails when a query variable builds a metric name, which cannot be checked', () => {
    const q = { name: 'suffix_total', type: 'query', query: 'label_values(up, job)' };
    expect(lint('rate(otelcol_exporter_sent_metric_points${suffix_total}[5m])', [q])).toContain(
      'builds a metric name from the query variable $suffix_total, whose values come from Prometheus at runtime',
    );
  });
});
