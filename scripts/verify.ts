/**
 * `npm run verify -- --prometheus URL [--alertmanager URL] [--sigv4 REGION] [--env NAME]`
 *
 * The seed's troubleshooting (section 10) as a command, against a Prometheus
 * API: every expected service has an `up` series and is up (reported apart;
 * either fails the run), every catalog metric exists, every dashboard
 * query returns data, the rule groups are loaded, Alertmanager answers, and
 * (with --jaeger, the local stack) every service has recent traces in Jaeger.
 * With --sigv4 it signs requests for Amazon Managed Prometheus (URL = the
 * workspace's Prometheus endpoint; Alertmanager defaults to its alertmanager/).
 */
import { compile } from '../lib/compile/compile';
import { projectRoot, readProject } from '../lib/io/read-project';
import { ObservabilityModel } from '../lib/model/model';
import { httpClient } from './aws-http';
import { parseCli, runCommand } from './cli-args';

export interface VerifyOptions {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl?: string;
  readonly sigv4Region?: string;
  /** Jaeger's query service (the UI's address, locally http://127.0.0.1:16686). @default none: traces are not checked */
  readonly jaegerUrl?: string;
  /** How far back a trace still counts as recent. @default 5 minutes */
  readonly traceLookbackMs?: number;
  /**
   * Attempts per query (GETs are retried on no answer, 429 and 5xx). `local:up`'s
   * first look uses 1: it prints the result and says to run verify again later.
   * @default 5 (lib/http/http-client.ts)
   */
  readonly attempts?: number;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Grafana's variables, as Grafana would fill them for a recent window. */
export function grafanaToPromql(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}/g, '1m')
    .replace(/\$__interval|\$\{__interval\}/g, '15s')
    .replace(/\$__range|\$\{__range\}/g, '1h');
}

export async function verify(model: ObservabilityModel, options: VerifyOptions): Promise<Check[]> {
  const get = httpGetter(options.sigv4Region, options.attempts);
  const base = options.prometheusUrl.replace(/\/$/, '');
  const query = async (q: string) => {
    const r = (await get(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return r.data.result;
  };
  const checks: Check[] = [];
  const check = async (name: string, f: () => Promise<string | undefined>) => {
    try {
      const problem = await f();
      checks.push({ name, ok: problem === undefined, detail: problem ?? 'ok' });
    } catch (e) {
      checks.push({ name, ok: false, detail: (e as Error).message });
    }
  };

  // Two different failures: a service with no `up` series at all was never
  // scraped (unreachable network, wrong discovery: ServiceDown cannot fire
  // for it), while `up == 0` is a target the collector found but could not scrape.
  const up = await query('up').catch((e: Error) => e);
  const jobs = model.environment.services.map((s) => s.name);
  await check('every expected service has an `up` series (10.1 "Check Prometheus targets")', async () => {
    if (up instanceof Error) throw up;
    const absent = jobs.filter((job) => !up.some((r) => r.metric.job === job));
    return absent.length ? `no up series (never scraped): ${absent.join(', ')}` : undefined;
  });
  await check('every expected service is up (up == 1 for every target)', async () => {
    if (up instanceof Error) throw up;
    const down = jobs.flatMap((job) =>
      up.filter((r) => r.metric.job === job && r.value[1] !== '1').map((r) => (r.metric.instance ? `${job} (${r.metric.instance})` : job)),
    );
    return down.length ? `up == 0: ${down.join(', ')}` : undefined;
  });

  await check('every catalog metric exists (10.1 "Check metric exists")', async () => {
    const names = new Set(((await get(`${base}/api/v1/label/__name__/values`)) as { data: string[] }).data);
    // Metrics recorded only after a failure (catalog `presence: after-failure`) are absent while healthy.
    const missing = model.catalog.seriesNames('always').filter((n) => !names.has(n));
    return missing.length ? `missing: ${missing.join(', ')}` : undefined;
  });

  await check('every dashboard query returns data ("No data in Grafana")', async () => {
    const empty: string[] = [];
    for (const d of model.dashboards) {
      for (const p of d.panels) {
        for (const expr of p.queries) if ((await query(grafanaToPromql(expr))).length === 0) empty.push(`${d.file} "${p.title}": ${expr}`);
      }
    }
    return empty.length ? `no data:\n    ${empty.join('\n    ')}` : undefined;
  });

  await check('every rule group is loaded', async () => {
    const loaded = new Set(
      ((await get(`${base}/api/v1/rules`)) as { data: { groups: { name: string }[] } }).data.groups.map((g) => g.name),
    );
    const missing = model.ruleFiles.flatMap((f) => f.groups.map((g) => g.name)).filter((g) => !loaded.has(g));
    return missing.length ? `not loaded: ${missing.join(', ')}` : undefined;
  });

  const am = options.alertmanagerUrl ?? (options.sigv4Region ? `${base}/alertmanager` : undefined);
  if (am) {
    await check('Alertmanager answers', async () => {
      await get(`${am.replace(/\/$/, '')}/api/v2/alerts`);
      return undefined;
    });
  }

  if (options.jaegerUrl) {
    const jaeger = options.jaegerUrl.replace(/\/$/, '');
    const lookbackMs = options.traceLookbackMs ?? 5 * 60_000;
    const plain = httpGetter(undefined, options.attempts);
    await check(`every service has traces in Jaeger from the last ${lookbackMs / 60_000} min (7, Jaeger locally)`, async () => {
      // Jaeger's query API (jaegertracing/jaeger v2.12.0 = module v1.75.0, cmd/query/app/http_handler.go RegisterRoutes):
      // /api/services lists every service it holds; /api/traces searches one service between `start` and `end`
      // (unix microseconds, query_parser.go parseTraceQueryParams; `lookback` is read by /api/dependencies only).
      const known = new Set(((await plain(`${jaeger}/api/services`)) as { data: string[] | null }).data ?? []);
      const end = Date.now() * 1000;
      const start = end - lookbackMs * 1000;
      const missing: string[] = [];
      for (const job of jobs) {
        if (!known.has(job)) {
          missing.push(`${job} (never seen by Jaeger)`);
          continue;
        }
        const url = `${jaeger}/api/traces?service=${encodeURIComponent(job)}&start=${start}&end=${end}&limit=1`;
        const found = ((await plain(url)) as { data: unknown[] | null }).data ?? [];
        if (found.length === 0) missing.push(`${job} (none since ${new Date(start / 1000).toISOString()})`);
      }
      return missing.length ? `no recent traces: ${missing.join(', ')}` : undefined;
    });
  }
  return checks;
}

function httpGetter(region?: string, attempts?: number): (url: string) => Promise<unknown> {
  const request = httpClient(region, attempts === undefined ? undefined : { attempts });
  return (url: string) => request('GET', url);
}

const USAGE =
  'usage: npm run verify -- --prometheus URL [--alertmanager URL] [--jaeger URL] [--sigv4 REGION] [--env local|dev|staging|prod]';

/** The command: runs every check, prints each, and returns the exit code (1 when one fails, 2 on a usage error). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseCli('verify', USAGE, {
    args: argv,
    options: {
      prometheus: { type: 'string' },
      alertmanager: { type: 'string' },
      jaeger: { type: 'string' },
      sigv4: { type: 'string' },
      env: { type: 'string', default: 'local' },
    },
  });
  const prometheusUrl = values.prometheus;
  if (!prometheusUrl) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const root = projectRoot();
  const model = compile(readProject(root), values.env);
  const checks = await verify(model, {
    prometheusUrl,
    alertmanagerUrl: values.alertmanager,
    jaegerUrl: values.jaeger,
    sigv4Region: values.sigv4,
  });
  for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}${c.ok ? '' : `\n      ${c.detail}`}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`verify: ${checks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (require.main === module) runCommand('verify', () => main(), 'one-line');
